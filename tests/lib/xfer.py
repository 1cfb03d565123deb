#!/usr/bin/env python3
"""Bulk TCP transfer for the namespace tests (standard library only).

  xfer.py recv PORT OUTFILE [--timeout S] [--ready FILE]
      Listen on 0.0.0.0:PORT, accept one connection, write everything received to
      OUTFILE until EOF.  Touches --ready FILE once listening.  Exits 0 on EOF,
      2 if that has not happened within S seconds of the start.
  xfer.py send HOST PORT INFILE [--timeout S] [--rate BYTES_PER_S]
      Connect (retrying until the deadline: the receiver or the tunnel may not be
      up yet), send INFILE, shut down the write side, wait for the peer to close.
      --rate paces the sending (so that a transfer lasts long enough for something,
      e.g. a rekey, to happen in the middle of it).
      Exits 0 on success, 2 if not done within S seconds, 1 on other errors.

Every blocking call has a timeout, so a broken tunnel makes the test fail, not hang.
"""
import argparse
import socket
import sys
import time

CHUNK = 64 * 1024


def remaining(deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise socket.timeout("deadline passed")
    return left


def recv(args):
    deadline = time.monotonic() + args.timeout
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", args.port))
    srv.listen(1)
    srv.settimeout(args.timeout)
    if args.ready:
        open(args.ready, "w").close()
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        print("recv: no connection within %ss" % args.timeout, file=sys.stderr)
        return 2
    total = 0
    with open(args.outfile, "wb") as out:
        while True:
            try:
                conn.settimeout(remaining(deadline))
                data = conn.recv(CHUNK)
            except socket.timeout:
                print("recv: not finished within %ss, %d bytes so far" % (args.timeout, total), file=sys.stderr)
                return 2
            if not data:
                break
            out.write(data)
            total += len(data)
    conn.close()
    print("recv: %d bytes" % total, file=sys.stderr)
    return 0


def send(args):
    deadline = time.monotonic() + args.timeout
    last_err = None
    sock = None
    while time.monotonic() < deadline:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(max(0.5, min(3.0, deadline - time.monotonic())))
        try:
            s.connect((args.host, args.port))
            sock = s
            break
        except OSError as e:
            last_err = e
            s.close()
            time.sleep(0.2)
    if sock is None:
        print("send: cannot connect to %s:%d: %s" % (args.host, args.port, last_err), file=sys.stderr)
        return 2
    total = 0
    t0 = time.monotonic()
    try:
        with open(args.infile, "rb") as f:
            while True:
                data = f.read(CHUNK)
                if not data:
                    break
                sock.settimeout(remaining(deadline))
                sock.sendall(data)
                total += len(data)
                if args.rate:
                    ahead = t0 + total / args.rate - time.monotonic()
                    if ahead > 0:
                        time.sleep(min(ahead, remaining(deadline)))
        sock.shutdown(socket.SHUT_WR)
        # Wait for the receiver's close so that "sent" means "delivered".
        while True:
            sock.settimeout(remaining(deadline))
            if not sock.recv(CHUNK):
                break
    except socket.timeout:
        print("send: not finished within %ss, %d bytes sent" % (args.timeout, total), file=sys.stderr)
        return 2
    except OSError as e:
        print("send: %s after %d bytes" % (e, total), file=sys.stderr)
        return 1
    sock.close()
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("recv")
    r.add_argument("port", type=int)
    r.add_argument("outfile")
    r.add_argument("--timeout", type=float, default=30)
    r.add_argument("--ready")
    s = sub.add_parser("send")
    s.add_argument("host")
    s.add_argument("port", type=int)
    s.add_argument("infile")
    s.add_argument("--timeout", type=float, default=30)
    s.add_argument("--rate", type=float, default=0)
    args = p.parse_args()
    return recv(args) if args.cmd == "recv" else send(args)


if __name__ == "__main__":
    sys.exit(main())
