#!/usr/bin/env python3
"""Forged OpenVPN TLS-mode datagrams at a server (standard library only).

  tls_hostile.py DST_IP DST_PORT [--rounds N] [--seed N]

From an ordinary UDP socket (its own source port: a stranger, not the peer) send,
N times each, interleaved:
  reset     HARD_RESET_CLIENT_V2 in the format of an unwrapped control channel,
            each with a fresh random session id (a server without tls-auth/tls-crypt
            answers them: they start candidate sessions that never complete)
  control   P_CONTROL_V1 / P_ACK_V1 with random session ids and bodies
  data      P_DATA_V2 / P_DATA_V1 with random key ids, peer-id 0 and random bodies
  garbage   random bytes of random length 1..1400
and print one "category count" line each.  Answers are read and thrown away.
"""
import argparse
import os
import random
import socket
import struct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dst")
    ap.add_argument("port", type=int)
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    dst = (a.dst, a.port)
    counts = {"reset": 0, "control": 0, "data": 0, "garbage": 0}

    def send(kind, payload):
        try:
            s.sendto(payload, dst)
            counts[kind] += 1
        except BlockingIOError:
            pass
        try:
            while True:
                s.recv(65536)
        except BlockingIOError:
            pass

    for _ in range(a.rounds):
        sid = os.urandom(8)
        # opcode 7 (HARD_RESET_CLIENT_V2), key 0 | session id | 0 acks | message id 0
        send("reset", bytes([7 << 3]) + sid + b"\x00" + struct.pack("!I", 0))
        op = rnd.choice([4, 5])  # P_CONTROL_V1, P_ACK_V1
        send("control", bytes([(op << 3) | rnd.randrange(8)]) + os.urandom(8 + rnd.randrange(0, 300)))
        if rnd.random() < 0.5:
            body = bytes([(9 << 3) | rnd.randrange(8), 0, 0, 0]) + os.urandom(rnd.randrange(0, 1400))
        else:
            body = bytes([(6 << 3) | rnd.randrange(8)]) + os.urandom(rnd.randrange(0, 1400))
        send("data", body)
        send("garbage", os.urandom(rnd.randrange(1, 1400)))
    for k, v in counts.items():
        print(k, v)


if __name__ == "__main__":
    main()
