#!/usr/bin/env python3
"""Cross-check our ESP against scapy's (scapy.layers.ipsec.SecurityAssociation).

usage: esp_scapy.py ESP_TOOL

For each suite: scapy seals inner packets that `esp_tool open` must return
unchanged; `esp_tool seal` output must decrypt and verify in scapy to the same
inner packets.  Negative controls (a flipped bit, the wrong key) must fail on
both sides, so the check can fail.  ESN crossing 2^32 is checked for AES-GCM only:
scapy 2.5 leaves the ESN high half out of the HMAC for ESP (it applies it to AH
only), so it cannot be an oracle for CBC+HMAC with ESN.
Prints one line per check; exit status 0 only if all pass.
"""
import os
import subprocess
import sys
import warnings

warnings.filterwarnings("ignore")  # cryptography's TripleDES deprecation notice
from scapy.layers.inet import IP, ICMP, UDP  # noqa: E402
from scapy.layers.inet6 import IPv6  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation, IPSecIntegrityError  # noqa: E402
from scapy.packet import Raw  # noqa: E402

TOOL = sys.argv[1]
FAILS = 0

# (label, setkey encr, encr key bytes incl. salt, scapy crypt, setkey integ, integ key bytes, scapy auth)
SUITES = [
    ("aes128gcm16", "aes-gcm-16", 20, "AES-GCM", "null", 0, "NULL"),
    ("aes256gcm16", "aes-gcm-16", 36, "AES-GCM", "null", 0, "NULL"),
    ("aes128-sha1", "aes-cbc", 16, "AES-CBC", "hmac-sha1", 20, "HMAC-SHA1-96"),
    ("aes256-sha256", "aes-cbc", 32, "AES-CBC", "hmac-sha256", 32, "SHA2-256-128"),
    ("aes192-sha384", "aes-cbc", 24, "AES-CBC", "hmac-sha384", 48, "SHA2-384-192"),
    ("aes256-sha512", "aes-cbc", 32, "AES-CBC", "hmac-sha512", 64, "SHA2-512-256"),
    ("3des-sha1", "3des-cbc", 24, "3DES", "hmac-sha1", 20, "HMAC-SHA1-96"),
    ("null-sha256", "null", 0, "NULL", "hmac-sha256", 32, "SHA2-256-128"),
]

OUTER = IP(src="192.0.2.1", dst="192.0.2.2")


def check(name, ok, detail=""):
    global FAILS
    print(("PASS " if ok else "FAIL ") + name + (("  " + detail) if detail else ""))
    if not ok:
        FAILS += 1


def inner_packets():
    out = []
    for n in (0, 1, 2, 3, 13, 14, 15, 16, 17, 56, 200, 1300):
        out.append(IP(src="10.0.0.1", dst="10.0.0.2", id=n) / ICMP(id=7, seq=n) / Raw((bytes(range(256)) * 6)[:n]))
    for n in (0, 9, 100):
        out.append(IPv6(src="fd00::1", dst="fd00::2") / UDP(sport=1000 + n, dport=53) / Raw(b"\xab" * n))
    return [bytes(p) for p in out]


def tool(mode, args, lines):
    r = subprocess.run([TOOL, mode] + args, input="".join(x.hex() + "\n" for x in lines),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("esp_tool %s failed: %s" % (mode, r.stderr.strip()))
    return r.stdout.split("\n")[:len(lines)]


def scapy_sa(spi, s, ekey, ikey, esn=False):
    return SecurityAssociation(ESP, spi=spi, crypt_algo=s[3], crypt_key=ekey,
                               auth_algo=s[6], auth_key=ikey or None, tunnel_header=OUTER,
                               esn_en=esn, esn=0)


def tool_args(spi, s, ekey, ikey, esn=False, seq=0):
    a = ["--spi", "%x" % spi, "--encr", s[1], "--encr-key", ekey.hex(), "--integ", s[4]]
    if ikey:
        a += ["--integ-key", ikey.hex()]
    if esn:
        a.append("--esn")
    if seq:
        a += ["--seq", str(seq)]
    return a


def scapy_open(sa, esp, **kw):
    """decrypt and verify one ESP packet (SPI..ICV) in scapy; the inner packet's bytes"""
    return bytes(sa.decrypt(IP(bytes(IP(src=OUTER.src, dst=OUTER.dst, proto=50) / Raw(esp))), **kw))


def esp_bytes(pkt):
    raw = bytes(pkt)
    return raw[(raw[0] & 15) * 4:]


def run_suite(s):
    label = s[0]
    spi = int.from_bytes(os.urandom(4), "big") | 0x100
    ekey, ikey = os.urandom(s[2]), os.urandom(s[5])
    inners = inner_packets()

    # scapy seals, we open
    sa = scapy_sa(spi, s, ekey, ikey)
    sealed = [esp_bytes(sa.encrypt(IP(p) if p[0] >> 4 == 4 else IPv6(p))) for p in inners]
    opened = tool("open", tool_args(spi, s, ekey, ikey), sealed)
    bad = [i for i, (o, p) in enumerate(zip(opened, inners)) if o != p.hex()]
    check("%s: scapy -> vpn, %d packets" % (label, len(inners)), not bad,
          "first mismatch #%d: %s" % (bad[0], opened[bad[0]][:60]) if bad else "")

    # negative controls on our side: a flipped bit, a replay, the wrong key
    flipped = bytearray(sealed[4])
    flipped[len(flipped) // 2] ^= 1
    res = tool("open", tool_args(spi, s, ekey, ikey), [sealed[0], bytes(flipped), sealed[0]])
    check("%s: vpn drops scapy's packet with a flipped bit, and a replay" % label,
          res[0] == inners[0].hex() and res[1] == "drop bad-icv" and res[2] == "drop replay", str(res[1:]))
    wrong = bytes([ekey[0] ^ 1]) + ekey[1:] if s[5] == 0 else ekey
    wrong_i = bytes([ikey[0] ^ 1]) + ikey[1:] if s[5] else ikey
    res = tool("open", tool_args(spi, s, wrong, wrong_i), sealed[:1])
    check("%s: vpn drops scapy's packet under the wrong key" % label, res == ["drop bad-icv"], str(res))

    # we seal, scapy opens (and verifies the ICV)
    ours = [bytes.fromhex(x) for x in tool("seal", tool_args(spi, s, ekey, ikey), inners)]
    sa = scapy_sa(spi, s, ekey, ikey)
    bad = []
    for i, (e, p) in enumerate(zip(ours, inners)):
        try:
            got = scapy_open(sa, e)
        except Exception as ex:  # IPSecIntegrityError and parse errors alike
            got = repr(ex).encode()
        if got != p:
            bad.append(i)
    check("%s: vpn -> scapy, %d packets" % (label, len(inners)), not bad,
          "first mismatch #%d" % bad[0] if bad else "")
    tampered = bytearray(ours[3])
    tampered[-1] ^= 0x80
    try:
        scapy_open(sa, bytes(tampered))
        rejected = False
    except IPSecIntegrityError:
        rejected = True
    check("%s: scapy rejects our packet with a flipped ICV bit" % label, rejected)


def run_esn_gcm():
    s = SUITES[0]
    spi = 0x4242
    ekey = os.urandom(20)
    inner = inner_packets()[5]
    start = 0xfffffffd
    # we seal across 2^32 (ESN), scapy opens with the high half we used
    ours = [bytes.fromhex(x) for x in tool("seal", tool_args(spi, s, ekey, b"", esn=True, seq=start), [inner] * 5)]
    sa = scapy_sa(spi, s, ekey, b"", esn=True)
    ok = True
    for k, e in enumerate(ours):
        seq = start + 1 + k
        ok &= int.from_bytes(e[4:8], "big") == seq & 0xffffffff
        try:
            got = scapy_open(sa, e, esn_en=True, esn=seq >> 32)
        except IPSecIntegrityError:
            got = b""
        ok &= got == inner
    check("esn aes128gcm16: vpn -> scapy across 2^32 (seq fffffffe..1_00000002)", ok)
    # scapy seals across 2^32, we open with our own high-half inference
    sa = scapy_sa(spi, s, ekey, b"", esn=True)
    # (no low half 0: scapy reads seq_num=0 as "not given" and uses its own counter)
    seqs = [0xfffffff8, 0xfffffffe, 0x100000002, 0x100000005, 0xffffffff, 0x100000001]
    pkts = [esp_bytes(sa.encrypt(IP(inner), seq_num=q & 0xffffffff, esn_en=True, esn=q >> 32)) for q in seqs]
    res = tool("open", tool_args(spi, s, ekey, b"", esn=True, seq=0xfffffff0), pkts + [pkts[2]])
    check("esn aes128gcm16: scapy -> vpn across 2^32, reordered, then a replay",
          res[:6] == [inner.hex()] * 6 and res[6] == "drop replay", str([r[:12] for r in res]))
    # the same packets without ESN on our side: past 2^32 the ICV (AAD) must not match
    res = tool("open", tool_args(spi, s, ekey, b"", esn=False), pkts[:1] + pkts[3:4])
    check("esn aes128gcm16: a receiver without ESN rejects them", res == ["drop bad-icv", "drop bad-icv"], str(res))


def main():
    for s in SUITES:
        run_suite(s)
    run_esn_gcm()
    print("%s: %d failure(s)" % ("FAIL" if FAILS else "OK", FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
