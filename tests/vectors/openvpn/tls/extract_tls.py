#!/usr/bin/env python3
"""Regenerate the TLS-mode vector files in this folder.

Usage: python3 extract_tls.py /work/shared/protocol/openvpn-captures
Needs python3-cryptography.  Every value is computed here with Python's own
primitives (hmac/hashlib, cryptography's AES/AESGCM/ChaCha20Poly1305), independently
of the C++ code the vectors check.
"""
import hashlib, hmac, os, re, struct, sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pcap_read import read_pcap_udp  # noqa: E402


def cbc_capture(src_dir, name, port, digest, out_name):
    """Data packets of a stock 2.6.14 pair with the client's per-key_id data keys."""
    log = open(f'{src_dir}/{name}.client-datakeys.txt').read()
    grab = lambda tag: [bytes.fromhex(m.replace(' ', '')) for m in re.findall(tag + r': ([0-9a-f ]+)\n', log)]
    oc, oh = grab('Outgoing Data Channel: CIPHER KEY'), grab('Outgoing Data Channel: HMAC KEY')
    ic, ih = grab('Incoming Data Channel: CIPHER KEY'), grab('Incoming Data Channel: HMAC KEY')
    hl = hashlib.new(digest).digest_size
    with open(out_name, 'w') as f:
        f.write(f'# {name}.pcap: AES-256-CBC + HMAC-{digest.upper()} data packets between stock openvpn 2.6.14\n'
                '# peers (port %d), with the keys the client logged at --verb 7 for each key_id.\n'
                '# key <key_id> <c2s cipher> <c2s hmac> <s2c cipher> <s2c hmac>\n'
                '#   (client "Outgoing" = client->server = key2 keys[0]; "Incoming" = keys[1])\n'
                '# pkt <C2S|S2C> <packet id> <UDP payload> <decrypted payload after the packet id>\n' % port)
        for kid in range(len(oc)):
            f.write(f'key {kid} {oc[kid].hex()} {oh[kid].hex()} {ic[kid].hex()} {ih[kid].hex()}\n')
        for sport, dport, p in read_pcap_udp(f'{src_dir}/{name}.pcap'):
            op, kid = p[0] >> 3, p[0] & 7
            if op not in (6, 9):
                continue
            c2s = dport == port
            ck, hk = (oc[kid], oh[kid]) if c2s else (ic[kid], ih[kid])
            body = p[4 if op == 9 else 1:]
            mac, iv, ct = body[:hl], body[hl:hl + 16], body[hl + 16:]
            assert hmac.new(hk, iv + ct, digest).digest() == mac
            d = Cipher(algorithms.AES(ck), modes.CBC(iv)).decryptor()
            pt = d.update(ct) + d.finalize()
            pt = pt[:-pt[-1]]
            pid = struct.unpack('>I', pt[:4])[0]
            f.write(f"pkt {'C2S' if c2s else 'S2C'} {pid} {p.hex()} {pt[4:].hex()}\n")


# The key material of openvpn3 test/unittests/test_crypto.cpp (gcm.py): key2 byte i =
# key[i % 32] ^ i, then keys[1].cipher = keys[0].cipher.
def openvpn3_key2():
    key = b'abcdefgh01234567ABCDEFGHjkuchenl'
    big = bytearray(key[i % 32] ^ i for i in range(256))
    big[128:192] = big[0:64]
    return bytes(big)


FOX = b'The quick little fox jumps over the bureaucratic hurdles'


def aead_vectors(out_name):
    k2 = openvpn3_key2()
    ciphers = {'AES-128-GCM': (AESGCM, 16), 'AES-192-GCM': (AESGCM, 24), 'AES-256-GCM': (AESGCM, 32),
               'CHACHA20-POLY1305': (ChaCha20Poly1305, 32)}
    with open(out_name, 'w') as f:
        f.write('# AEAD data channel packets (openvpn-wire.md 3.5), computed with python3-cryptography.\n'
                '# key2 = openvpn3 test_crypto.cpp material (see extract_tls.py), hex below.\n'
                '# kat <aad> <nonce> <key> <plaintext> <tag> <ciphertext>: the openvpn3 AES-256-GCM vector\n'
                '#   itself (AAD 07 00 00 17 | packet id 1), tag 1fdd908f0e9dc25e79d832020d58e73f.\n'
                '# pkt <cipher> <sender C|S> <first packet id> <payload> <datagram>: what TlsDataChannel must\n'
                '#   seal as packet id <n> and open again; header bytes are the datagram\'s first 1 or 4.\n')
        f.write(f'key2 {k2.hex()}\n')
        ck, iv = k2[0:32], k2[64:72]
        nonce = bytes([0, 0, 0, 1]) + iv
        aad = bytes([7, 0, 0, 23]) + bytes([0, 0, 0, 1])
        out = AESGCM(ck).encrypt(nonce, FOX, aad)
        assert out[-16:].hex() == '1fdd908f0e9dc25e79d832020d58e73f'
        f.write(f'kat {aad.hex()} {nonce.hex()} {ck.hex()} {FOX.hex()} {out[-16:].hex()} {out[:-16].hex()}\n')
        for name, (cls, klen) in ciphers.items():
            for sender in 'CS':
                slot = 0 if sender == 'C' else 1  # client sends with keys[0], server with keys[1]
                key = k2[slot * 128: slot * 128 + klen]
                impl = k2[slot * 128 + 64: slot * 128 + 72]
                for hdr in (bytes([0x48 | 0, 0, 0, 0x17]), bytes([0x48 | 5, 0xab, 0xcd, 0xef]), bytes([0x30 | 2])):
                    for pid, payload in ((1, FOX), (2, b'\x00'), (0x12345678, bytes(range(200)))):
                        pidb = struct.pack('>I', pid)
                        a = (hdr + pidb) if len(hdr) == 4 else pidb
                        ct = cls(key).encrypt(pidb + impl, payload, a)
                        dgram = hdr + pidb + ct[-16:] + ct[:-16]
                        f.write(f'pkt {name} {sender} {pid} {payload.hex()} {dgram.hex()}\n')


def p_hash(h, secret, seed, n):
    out, a = b'', seed
    while len(out) < n:
        a = hmac.new(secret, a, h).digest()
        out += hmac.new(secret, a + seed, h).digest()
    return out[:n]


def tls1_prf(secret, seed, n):
    half = len(secret) // 2
    s1, s2 = secret[:half + (len(secret) & 1)], secret[half:]
    return bytes(x ^ y for x, y in zip(p_hash(hashlib.md5, s1, seed, n), p_hash(hashlib.sha1, s2, seed, n)))


def key_expansion(out_name):
    pre = bytes((3 * i + 1) & 0xff for i in range(48))
    cr1, cr2 = bytes((i + 0x10) & 0xff for i in range(32)), bytes((i * 5 + 0x20) & 0xff for i in range(32))
    sr1, sr2 = bytes((0xf0 - i) & 0xff for i in range(32)), bytes((i * 7 + 0x33) & 0xff for i in range(32))
    csid, ssid = bytes.fromhex('0102030405060708'), bytes.fromhex('a1b2c3d4e5f60718')
    master = tls1_prf(pre, b'OpenVPN master secret' + cr1 + sr1, 48)
    key2 = tls1_prf(master, b'OpenVPN key expansion' + cr2 + sr2 + csid + ssid, 256)
    with open(out_name, 'w') as f:
        f.write('# key method 2 PRF expansion (openvpn-wire.md 7.2, ssl.c generate_key_expansion_openvpn_prf),\n'
                '# computed with the RFC 2246 PRF in extract_tls.py (the prf.py implementation, whose KATs pass).\n')
        for k, v in (('pre_master', pre), ('client_random1', cr1), ('client_random2', cr2),
                     ('server_random1', sr1), ('server_random2', sr2), ('client_sid', csid),
                     ('server_sid', ssid), ('master', master), ('key2', key2)):
            f.write(f'{k} {v.hex()}\n')


if __name__ == '__main__':
    src = sys.argv[1] if len(sys.argv) > 1 else '/work/shared/protocol/openvpn-captures'
    cbc_capture(src, 'cap_udp_tlsauth2', 11960, 'sha256', 'cbc_tlsauth2.txt')
    cbc_capture(src, 'cap_udp_lzo', 11990, 'sha1', 'cbc_lzo.txt')
    aead_vectors('aead.txt')
    key_expansion('key_expansion.txt')
