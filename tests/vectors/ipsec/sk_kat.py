#!/usr/bin/env python3
"""Known-answer SK messages for the algorithms the strongSwan captures do not use.

usage: sk_kat.py > sk_kat.txt

Each line is one complete IKE message (header + SK payload) built here with
pyca/cryptography, independently of our C++ code, following RFC 7296 §3.14
(AES-CBC + HMAC, ICV over the whole message), RFC 5282 (AES-GCM: nonce = salt |
IV, AAD = header through the SK generic header) and RFC 7634 (ChaCha20-Poly1305,
same construction).  The C++ test must verify and decrypt each one to PLAIN.

  kat ENCR KEYBITS INTEG SK_e SK_a PLAIN MESSAGE      (hex; '-' for empty)
"""
import hashlib, hmac, struct
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

INTEG = {2: (hashlib.sha1, 20, 12), 12: (hashlib.sha256, 32, 16),
         13: (hashlib.sha384, 48, 24), 14: (hashlib.sha512, 64, 32)}
# An inner chain: N(INITIAL_CONTACT), then a 7-byte Vendor ID.
PLAIN = bytes.fromhex("2b000008" "00004000") + bytes.fromhex("0000000b") + b"vpn-kat"
FIRST = 41


def key(n, seed):
    return bytes((seed + 7 * i) & 0xff for i in range(n))


def header(length):
    return (bytes.fromhex("0011223344556677" "8899aabbccddeeff") +
            struct.pack(">BBBBII", 46, 0x20, 35, 0x08, 1, length))


def cbc(bits, integ):
    hf, klen, icvlen = INTEG[integ]
    ek, ak = key(bits // 8, 1), key(klen, 2)
    iv = key(16, 3)
    padlen = 15 - len(PLAIN) % 16
    pt = PLAIN + bytes(range(1, padlen + 1)) + bytes([padlen])  # pad bytes: any value
    enc = Cipher(algorithms.AES(ek), modes.CBC(iv)).encryptor()
    ct = enc.update(pt) + enc.finalize()
    sk_len = 4 + 16 + len(ct) + icvlen
    msg = header(28 + sk_len) + struct.pack(">BBH", FIRST, 0, sk_len) + iv + ct
    msg += hmac.new(ak, msg, hf).digest()[:icvlen]
    return ek, ak, msg


def aead(aead_cls, klen):
    ek = key(klen + 4, 4)
    iv = key(8, 5)
    pt = PLAIN + b"\x00"  # block size 1: Pad Length 0
    sk_len = 4 + 8 + len(pt) + 16
    aad = header(28 + sk_len) + struct.pack(">BBH", FIRST, 0, sk_len)
    ct = aead_cls(ek[:-4]).encrypt(ek[-4:] + iv, pt, aad)
    return ek, b"", aad + iv + ct


def main():
    print("# SK known-answer messages, written by tests/vectors/ipsec/sk_kat.py (see its docstring).")
    rows = []
    for bits, integ in ((128, 2), (192, 13), (128, 14), (256, 12)):
        rows.append((12, bits, integ) + cbc(bits, integ))
    for bits in (128, 192, 256):
        rows.append((20, bits, 0) + aead(AESGCM, bits // 8))
    rows.append((28, 0, 0) + aead(ChaCha20Poly1305, 32))
    for encr, bits, integ, ek, ak, msg in rows:
        print(f"kat {encr} {bits} {integ} {ek.hex()} {ak.hex() or '-'} {PLAIN.hex()} {msg.hex()}")


if __name__ == "__main__":
    main()
