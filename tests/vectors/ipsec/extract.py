#!/usr/bin/env python3
"""Every IKE message of the strongSwan 5.9.8 sample captures, as a vector file.

usage: extract.py [SAMPLES_DIR] > strongswan_ike.txt
(default SAMPLES_DIR: /work/shared/interop/strongswan/samples)

For each capture it writes the IKE SAs it holds (SPIs, transforms, SK_e/SK_a of
both directions, found in the initiator's level-4 key log by trial decryption)
and every IKE message (UDP 500, or UDP 4500 after the non-ESP marker) with the
payload types Python saw in it: the outer chain and, for SK messages, the
decrypted inner chain.  The C++ tests parse and decrypt the same bytes with
our codec and must find the same chains.  Needs python3-cryptography.

Line formats (hex without spaces, '-' for empty):
  sa CAPTURE SPIi SPIr ENCR KEYBITS INTEG SK_ei SK_er SK_ai SK_ar
  msg CAPTURE INDEX OUTER_TYPES INNER_TYPES HEX
      OUTER_TYPES  comma list of the outer chain (46 = SK, 53 = SKF)
      INNER_TYPES  comma list of the decrypted chain; '-' if none;
                   'fN/T' for fragment N of T (see 'assembled')
  assembled CAPTURE FIRST_INDEX,.. INNER_TYPES   a reassembled RFC 7383 message
"""
import hashlib, hmac, os, re, struct, sys
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "openvpn"))
from pcap_read import read_pcap_udp  # noqa: E402

CAPTURES = [  # (name, pcap, key log)
    ("psk", "psk-aescbc-sha256-modp2048.pcap", "psk-initiator-keys.log"),
    ("cert", "cert-rw-gcm-x25519-rekey.pcap", "cert-rw-initiator-keys.log"),
    ("cookie", "edge-cookie.pcap", "edge-cookie-initiator-keys.log"),
    ("invalidke", "edge-invalidke-ecp256.pcap", "edge-invalidke-initiator-keys.log"),
]
INTEG = {2: (hashlib.sha1, 12), 12: (hashlib.sha256, 16), 13: (hashlib.sha384, 24), 14: (hashlib.sha512, 32)}


def ike_messages(pcap):
    for sport, dport, pl in read_pcap_udp(pcap):
        if 500 in (sport, dport):
            yield pl
        elif 4500 in (sport, dport) and pl[:4] == b"\0\0\0\0" and len(pl) > 8:
            yield pl[4:]  # RFC 3948 non-ESP marker


def key_sets(path):
    """[(SK_ai, SK_ar, SK_ei, SK_er)] in log order (one per SKEYSEED)."""
    head = re.compile(r"(\d+)\[(\w+)\] (.+?) => (\d+) bytes @")
    body = re.compile(r"(\d+)\[(\w+)\]\s+\d+: (.*)$")
    items, cur = [], {}
    for line in open(path, errors="replace"):
        m = head.search(line)
        if m:
            it = [m.group(3), int(m.group(4)), bytearray()]
            items.append(it)
            cur[m.group(1)] = it
            continue
        m = body.search(line)
        if m and m.group(1) in cur and len(cur[m.group(1)][2]) < cur[m.group(1)][1]:
            cur[m.group(1)][2] += bytes.fromhex("".join(m.group(3)[:48].split()))
    sets, s = [], None
    for name, n, b in items:
        if name == "Sk_d secret":
            s = {}
            sets.append(s)
        if s is not None and name in ("Sk_ai secret", "Sk_ar secret", "Sk_ei secret", "Sk_er secret"):
            s[name[:5]] = bytes(b)
    return [(s.get("Sk_ai", b""), s.get("Sk_ar", b""), s["Sk_ei"], s["Sk_er"]) for s in sets]


def chain(np, buf):
    """[(type, next, body)] of a payload chain; SK/SKF ends it."""
    out, off = [], 0
    while np and off + 4 <= len(buf):
        nxt, _, plen = struct.unpack(">BBH", buf[off:off + 4])
        out.append((np, nxt, buf[off + 4:off + plen]))
        if np in (46, 53):
            break
        np, off = nxt, off + plen
    return out


def first_proposal(body):
    """{transform type: (id, key bits)} of an SA payload's first proposal."""
    _, _, _, _, _, spisz, ntr = struct.unpack(">BBHBBBB", body[:8])
    off, res = 8 + spisz, {}
    for _ in range(ntr):
        _, _, tlen, ttype, _, tid = struct.unpack(">BBHBBH", body[off:off + 8])
        bits = struct.unpack(">H", body[off + 10:off + 12])[0] if tlen >= 12 else 0
        res.setdefault(ttype, (tid, bits))
        off += tlen
    return res


def decrypt(msg, encr, integ, keys):
    """(inner next payload, plaintext chain, fragment no, total) or None."""
    sk_ai, sk_ar, sk_ei, sk_er = keys
    from_i = bool(msg[19] & 0x08)
    pls = chain(msg[16], msg[28:])
    typ, nxt, body = pls[-1]
    skoff = 28 + sum(len(b) + 4 for _, _, b in pls[:-1])
    hdr = 8 if typ == 53 else 4
    fno, ftot = struct.unpack(">HH", body[:4]) if typ == 53 else (1, 1)
    body = body[hdr - 4:]
    ek = sk_ei if from_i else sk_er
    try:
        if encr == 20:
            pt = AESGCM(ek[:-4]).decrypt(ek[-4:] + body[:8], body[8:], msg[:skoff + hdr])
        else:
            hf, icvlen = INTEG[integ]
            ak = sk_ai if from_i else sk_ar
            if hmac.new(ak, msg[:-icvlen], hf).digest()[:icvlen] != body[-icvlen:]:
                return None
            d = Cipher(algorithms.AES(ek), modes.CBC(body[:16])).decryptor()
            pt = d.update(body[16:-icvlen]) + d.finalize()
    except Exception:
        return None
    return nxt, pt[:-1 - pt[-1]], fno, ftot


def types(lst):
    return ",".join(str(t) for t, _, _ in lst) or "-"


def main():
    samples = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/interop/strongswan/samples"
    print("# IKE messages of the strongSwan 5.9.8 sample captures (shared/interop/strongswan/samples),")
    print("# written by tests/vectors/ipsec/extract.py; formats in its docstring.")
    for name, pcap, log in CAPTURES:
        msgs = list(ike_messages(os.path.join(samples, pcap)))
        sets = key_sets(os.path.join(samples, log))
        encr = integ = bits = None
        for m in msgs:  # transforms from the IKE_SA_INIT response that has an SA
            if m[18] == 34 and m[19] & 0x20 and m[16] == 33:
                p = first_proposal(chain(33, m[28:])[0][2])
                (encr, bits), integ = p[1], p.get(3, (0, 0))[0]
        sas = {}  # (SPIi, SPIr) -> keys
        for m in msgs:
            spis = (m[:8], m[8:16])
            if m[16] in (46, 53) and spis not in sas:
                for ks in sets:
                    if decrypt(m, encr, integ, ks):
                        sas[spis] = ks
                        ai, ar, ei, er = ks
                        print(f"sa {name} {spis[0].hex()} {spis[1].hex()} {encr} {bits} {integ} "
                              f"{ei.hex()} {er.hex()} {ai.hex() or '-'} {ar.hex() or '-'}")
                        break
                else:
                    sys.exit(f"{name}: no key set decrypts SPIs {spis[0].hex()}/{spis[1].hex()}")
        frags = {}
        for i, m in enumerate(msgs):
            outer = chain(m[16], m[28:])
            inner = "-"
            if outer and outer[-1][0] in (46, 53):
                nxt, pt, fno, ftot = decrypt(m, encr, integ, sas[(m[:8], m[8:16])])
                if outer[-1][0] == 53:
                    inner = f"f{fno}/{ftot}"
                    key = (m[:16], m[19] & 0x28, m[20:24])
                    frags.setdefault(key, {})[fno] = (i, nxt, pt)
                    got = frags[key]
                    if len(got) == ftot:
                        whole = b"".join(got[k][2] for k in sorted(got))
                        idx = ",".join(str(got[k][0]) for k in sorted(got))
                        pending = f"assembled {name} {idx} {types(chain(got[1][1], whole))}"
                    else:
                        pending = None
                else:
                    inner = types(chain(nxt, pt))
                    pending = None
            else:
                pending = None
            print(f"msg {name} {i} {types(outer)} {inner} {m.hex()}")
            if pending:
                print(pending)


if __name__ == "__main__":
    main()
