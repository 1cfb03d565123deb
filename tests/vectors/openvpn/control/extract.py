#!/usr/bin/env python3
"""Regenerate the control-channel vector files in this folder from the captures.

Usage: python3 extract.py /work/shared/protocol/openvpn-captures
Needs python3-cryptography.  Every control packet is unwrapped here by an
independent decoder (HMAC / tag re-verified) so the C++ tests compare against it.

Output line formats ("C" = client->server, "S" = server->client):
  <dir> ctrl <replay_id> <replay_time> <wire hex> <plain hex>   unwrapped by us
  <dir> opaque <wire hex>      control packet under a key we do not have
                               (dynamic tls-crypt of key_id > 0 renegotiations)
  <dir> data <wire hex>        data-channel packet (classification only)
TCP captures are de-framed: one line per packet, without the 2-byte length.
"""
import base64, hashlib, hmac, os, struct, sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pcap_read import read_pcap  # noqa: E402


def packets(fn, port, tcp):
    """(c2s, packet) in capture order; TCP streams are de-framed per direction."""
    streams = {True: b'', False: b''}
    for _, sport, dport, pl in read_pcap(fn):
        c2s = dport == port
        if not tcp:
            yield c2s, pl
            continue
        streams[c2s] += pl
        s = streams[c2s]
        while len(s) >= 2 and len(s) >= 2 + struct.unpack('>H', s[:2])[0]:
            n = struct.unpack('>H', s[:2])[0]
            yield c2s, s[2:2 + n]
            s = s[2 + n:]
        streams[c2s] = s


def static_key(fn):
    h, inside = '', False
    for line in open(fn):
        line = line.strip()
        if line.startswith('-----BEGIN'):
            inside = True
        elif line.startswith('-----END'):
            break
        elif inside:
            h += line
    return bytes.fromhex(h)


def write_static_key(fn, k):
    with open(fn, 'w') as f:
        f.write('#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n')
        for i in range(0, 256, 16):
            f.write(k[i:i + 16].hex() + '\n')
        f.write('-----END OpenVPN Static key V1-----\n')


def slot(k, i):
    return k[128 * i:128 * i + 64], k[128 * i + 64:128 * i + 128]


def crypt_unwrap(p, k):
    """tls-crypt: returns (plain packet, replay id, time) or None."""
    ck, hk = k
    hdr, tag, ct = p[:17], p[17:49], p[49:]
    d = Cipher(algorithms.AES(ck[:32]), modes.CTR(tag[:16])).decryptor()
    pt = d.update(ct) + d.finalize()
    if hmac.new(hk[:32], hdr + pt, hashlib.sha256).digest() != tag:
        return None
    rid, rt = struct.unpack('>II', p[9:17])
    return p[:9] + pt, rid, rt


def auth_unwrap(p, k, md):
    """tls-auth: returns (plain packet, replay id, time) or None."""
    hl = md().digest_size
    _, hk = k
    mac, pid, rest = p[9:9 + hl], p[9 + hl:17 + hl], p[17 + hl:]
    if hmac.new(hk[:hl], pid + p[:9] + rest, md).digest() != mac:
        return None
    rid, rt = struct.unpack('>II', pid)
    return p[:9] + rest, rid, rt


def write(out, header, src, port, tcp, unwrap):
    n = 0
    with open(out, 'w') as f:
        f.write(header)
        for c2s, p in packets(src, port, tcp):
            d = 'C' if c2s else 'S'
            if p[0] >> 3 in (6, 9):
                f.write(f'{d} data {p.hex()}\n')
                continue
            r = unwrap(c2s, p)
            if r is None:
                f.write(f'{d} opaque {p.hex()}\n')
                continue
            plain, rid, rt = r
            f.write(f'{d} ctrl {rid} {rt} {p.hex()} {plain.hex()}\n')
            n += 1
    assert n > 0, out


def main(src):
    tc = static_key(f'{src}/tc.key')
    ta = static_key(f'{src}/ta.key')
    # tls-crypt: client sends with keys[1], server with keys[0].
    crypt = lambda key: (lambda c2s, p: crypt_unwrap(p, slot(key, 1 if c2s else 0)))
    write('udp_tlscrypt.txt',
          '# cap_udp_tlscrypt.pcap (UDP 11940, tls-crypt tc.key, stock 2.6.14 both ends)\n',
          f'{src}/cap_udp_tlscrypt.pcap', 11940, False, crypt(tc))
    write('tcp_tlscrypt.txt',
          '# cap_tcp_tlscrypt.pcap (TCP 11970, tls-crypt tc.key), de-framed packets\n',
          f'{src}/cap_tcp_tlscrypt.pcap', 11970, True, crypt(tc))

    # tls-auth: client "ta.key 1" sends with keys[1], server "ta.key 0" with keys[0].
    def auth(md):
        def f(c2s, p):
            if p[0] & 7:
                return None  # key_id > 0: dynamic tls-crypt, key not available
            r = auth_unwrap(p, slot(ta, 1 if c2s else 0), md)
            assert r is not None, 'tls-auth packet failed to verify'
            return r
        return f
    write('udp_tlsauth_sha256.txt',
          '# cap_udp_tlsauth2.pcap (UDP 11960, tls-auth ta.key 0/1, auth SHA256, reneg-sec 6:\n'
          '# key_id 1..3 control packets are dynamic tls-crypt, listed as opaque)\n',
          f'{src}/cap_udp_tlsauth2.pcap', 11960, False, auth(hashlib.sha256))
    write('udp_tlsauth_sha1.txt',
          '# cap_udp_lzo.pcap (UDP 11990, tls-auth ta.key 0/1, auth SHA1)\n',
          f'{src}/cap_udp_lzo.pcap', 11990, False, auth(hashlib.sha1))

    # tls-crypt-v2: packets are wrapped with the client key Kc (first 256 bytes of
    # the client key file); V3 resets and WKC_V1 packets have WKc appended.
    blob = base64.b64decode(''.join(l.strip() for l in open(f'{src}/cli-v2.key') if not l.startswith('-----')))
    kc, wkc = blob[:256], blob[256:]
    write_static_key('tcv2_kc.key', kc)
    open('tcv2_wkc.hex', 'w').write(wkc.hex() + '\n')

    def tcv2(c2s, p):
        if p[0] >> 3 in (10, 11):
            n = struct.unpack('>H', p[-2:])[0]
            assert p[-n:] == wkc
            p = p[:-n]
        r = crypt_unwrap(p, slot(kc, 1 if c2s else 0))
        assert r is not None
        return r
    write('udp_tcv2.txt',
          '# cap_udp_tcv2.pcap (UDP 11980, tls-crypt-v2; client key Kc = tcv2_kc.key, WKc = tcv2_wkc.hex)\n'
          '# plain hex = the unwrapped part without the appended WKc\n',
          f'{src}/cap_udp_tcv2.pcap', 11980, False, tcv2)


if __name__ == '__main__':
    main(sys.argv[1])
