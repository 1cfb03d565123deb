#!/usr/bin/env python3
"""Capture and forge OpenVPN static-key UDP datagrams (standard library only, root).

  hostile.py capture IFACE PORT COUNT OUTFILE [--src IP] [--timeout S] [--ready FILE]
      Sniff incoming IPv4/UDP datagrams to PORT on IFACE (AF_PACKET), store the
      first COUNT payloads in OUTFILE.  Exits 0 with COUNT packets, 2 on timeout
      (whatever was caught is still written).
  hostile.py send DST_IP DST_PORT CAPFILE --hmac-len N --block N [--sport P]
                  [--other-sport P] [--seed N]
      From a raw socket (source IP chosen by the kernel, source port spoofed as
      --sport, by default the one seen in the capture, i.e. the real peer's), send:
        short      every length 0..60 ("short": below the HMAC length, "shortmac":
                   HMAC length and up, which only the HMAC check can reject)
        tampered   each captured packet with one HMAC byte flipped, and again
                   with one ciphertext byte flipped
        garbage    random payloads whose length passes any block-size check
                   (HMAC + IV + k blocks), so only the HMAC can reject them
        unaligned  random payloads of arbitrary length >= 64
        oversize   3 datagrams of 65000 bytes (IP-fragmented)
        replay     every captured packet again, unchanged
        wrongsrc   random packets from --other-sport (a source that is not the peer)
      and print one "category count" line each (what the caller may expect).

The file format is a sequence of records: source port (2 bytes BE), payload length
(4 bytes BE), payload.
"""
import argparse
import os
import random
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
PACKET_OUTGOING = 4


def capture(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    s.bind((a.iface, ETH_P_IP))
    s.settimeout(0.5)
    if a.ready:
        open(a.ready, "w").close()
    deadline = time.monotonic() + a.timeout
    got = []
    while len(got) < a.count and time.monotonic() < deadline:
        try:
            frame, addr = s.recvfrom(70000)
        except socket.timeout:
            continue
        if addr[2] == PACKET_OUTGOING or len(frame) < 28:
            continue
        ihl = (frame[0] & 0x0F) * 4
        if frame[0] >> 4 != 4 or frame[9] != 17 or len(frame) < ihl + 8:
            continue
        frag = struct.unpack("!H", frame[6:8])[0]
        if frag & 0x3FFF:  # fragments: not a whole datagram
            continue
        src = socket.inet_ntoa(frame[12:16])
        if a.src and src != a.src:
            continue
        sport, dport, ulen = struct.unpack("!HHH", frame[ihl:ihl + 6])
        if dport != a.port:
            continue
        payload = frame[ihl + 8:ihl + ulen]
        got.append((sport, payload))
    with open(a.outfile, "wb") as f:
        for sport, p in got:
            f.write(struct.pack("!HI", sport, len(p)) + p)
    print("captured %d" % len(got), file=sys.stderr)
    return 0 if len(got) >= a.count else 2


def load(path):
    out = []
    with open(path, "rb") as f:
        data = f.read()
    i = 0
    while i + 6 <= len(data):
        sport, n = struct.unpack("!HI", data[i:i + 6])
        if i + 6 + n > len(data):
            break
        out.append((sport, data[i + 6:i + 6 + n]))
        i += 6 + n
    return out


def send(a):
    rng = random.Random(a.seed)
    caps = load(a.capfile)
    if not caps:
        print("send: empty capture file", file=sys.stderr)
        return 1
    sport = a.sport or caps[0][0]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    # Let the kernel fragment the oversized datagrams instead of failing with EMSGSIZE.
    s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_MTU_DISCOVER", 10), 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)

    def emit(payload, src=None):
        hdr = struct.pack("!HHHH", src or sport, a.dport, 8 + len(payload), 0)  # checksum 0: none (IPv4)
        s.sendto(hdr + payload, (a.dst, 0))
        time.sleep(0.002)  # pace: the receiver's socket buffer must not be what drops them

    counts = {}

    def count(cat, n=1):
        counts[cat] = counts.get(cat, 0) + n

    for n in range(0, 61):
        emit(os.urandom(n))
        # Below the HMAC size nothing can be checked; from there on the HMAC (which
        # OpenVPN verifies before looking at IV or blocks) is what rejects them.
        count("short" if n < a.hmac_len else "shortmac")
    for _, p in caps:
        if len(p) <= a.hmac_len + 1:
            continue
        q = bytearray(p)
        q[rng.randrange(a.hmac_len)] ^= 1 << rng.randrange(8)
        emit(bytes(q))
        q = bytearray(p)
        q[rng.randrange(a.hmac_len, len(q))] ^= 1 << rng.randrange(8)
        emit(bytes(q))
        count("tampered", 2)
    iv = a.block
    for _ in range(150):
        blocks = rng.randrange(1, 90)
        emit(os.urandom(a.hmac_len + iv + a.block * blocks))
        count("garbage")
    for _ in range(50):
        emit(os.urandom(rng.randrange(64, 1500)))
        count("unaligned")
    for _ in range(3):
        emit(os.urandom(65000))
        time.sleep(0.05)
        count("oversize")
    for _, p in caps:
        emit(p)
        count("replay")
    for _ in range(20):
        emit(os.urandom(a.hmac_len + iv + a.block * 4), src=a.other_sport)
        count("wrongsrc")
    for cat in ("short", "shortmac", "tampered", "garbage", "unaligned", "oversize", "replay", "wrongsrc"):
        print(cat, counts.get(cat, 0))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("iface")
    c.add_argument("port", type=int)
    c.add_argument("count", type=int)
    c.add_argument("outfile")
    c.add_argument("--src")
    c.add_argument("--timeout", type=float, default=20)
    c.add_argument("--ready")
    s = sub.add_parser("send")
    s.add_argument("dst")
    s.add_argument("dport", type=int)
    s.add_argument("capfile")
    s.add_argument("--hmac-len", type=int, required=True)
    s.add_argument("--block", type=int, required=True)
    s.add_argument("--sport", type=int, default=0)
    s.add_argument("--other-sport", type=int, default=40000)
    s.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    return capture(a) if a.cmd == "capture" else send(a)


if __name__ == "__main__":
    sys.exit(main())
