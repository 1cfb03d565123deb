#!/usr/bin/env python3
"""Regenerate the capture-derived vector files in this folder.

Usage: python3 extract.py /work/shared/protocol/openvpn-captures
Needs python3-cryptography and liblzo2.so.2 (only for lzo_packets.txt).
"""
import ctypes, hmac, hashlib, os, re, struct, sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcap_read import read_pcap_udp  # noqa: E402


def write_udp_hex(src, dst, header):
    with open(dst, 'w') as f:
        f.write(header)
        for sport, dport, p in read_pcap_udp(src):
            f.write(f'{sport} {dport} {p.hex()}\n')


def lzo_vectors(src_dir):
    lzo = ctypes.CDLL('liblzo2.so.2')
    log = open(f'{src_dir}/cap_udp_lzo.client-datakeys.txt').read()
    grab = lambda tag: bytes.fromhex(re.search(tag + r': ([0-9a-f ]+)\n', log).group(1).replace(' ', ''))
    keys = {True: (grab('Outgoing Data Channel: CIPHER KEY'), grab('Outgoing Data Channel: HMAC KEY')),
            False: (grab('Incoming Data Channel: CIPHER KEY'), grab('Incoming Data Channel: HMAC KEY'))}
    out = open('lzo_packets.txt', 'w')
    out.write('# Decrypted P_DATA_V2 payloads (after the 4-byte packet id) of cap_udp_lzo.pcap:\n'
              '# "<framed payload hex> <expected unframed payload hex>", expected by liblzo2\n'
              '# lzo1x_decompress_safe for 0x66, the bytes after the header for 0xFA.\n')
    for sport, dport, p in read_pcap_udp(f'{src_dir}/cap_udp_lzo.pcap'):
        op = p[0] >> 3
        if op not in (6, 9):
            continue
        ck, hk = keys[dport == 11990]
        body = p[4 if op == 9 else 1:]
        mac, iv, ct = body[:20], body[20:36], body[36:]
        assert hmac.new(hk, iv + ct, hashlib.sha1).digest() == mac
        d = Cipher(algorithms.AES(ck), modes.CBC(iv)).decryptor()
        pt = d.update(ct) + d.finalize()
        framed = pt[4:-pt[-1]]
        if framed[0] == 0x66:
            dst = ctypes.create_string_buffer(4096)
            dlen = ctypes.c_ulong(4096)
            assert lzo.lzo1x_decompress_safe(framed[1:], ctypes.c_ulong(len(framed) - 1), dst,
                                             ctypes.byref(dlen), None) == 0
            plain = dst.raw[:dlen.value]
        else:
            plain = framed[1:]
        out.write(f'{framed.hex()} {plain.hex()}\n')


if __name__ == '__main__':
    src = sys.argv[1]
    write_udp_hex(f'{src}/cap_static.pcap', 'cap_static.txt',
                  '# UDP payloads of cap_static.pcap: "<sport> <dport> <hex>".\n'
                  '# static.key, port 11950 = direction 0, 11951 = direction 1, AES-256-CBC + SHA256.\n')
    write_udp_hex(f'{src}/cap_static2.pcap', 'cap_static2.txt',
                  '# UDP payloads of cap_static2.pcap: "<sport> <dport> <hex>".\n'
                  '# static.key, bidirectional, AES-128-CBC + SHA1.\n')
    lzo_vectors(src)
