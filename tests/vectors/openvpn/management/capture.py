#!/usr/bin/env python3
"""Talks to a stock OpenVPN 2.6 management interface and records every exchange.

Usage: capture.py HOST PORT OUTDIR.  Writes OUTDIR/exchanges.txt: one `send HEX` line per
chunk written and one `recv HEX` line per burst read (everything that arrived within the
wait after the send), in order; `# ...` lines are comments.  Used by test_management.cpp.
"""
import re, socket, sys, time

host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
log = []

def recv_all(s, wait):
    s.settimeout(wait)
    data = b""
    end = time.time() + wait
    while time.time() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            data += b""; log.append(("closed", b""))
            break
        data += chunk
    return data

def ex(s, comment, payload, wait=0.6):
    log.append(("#", comment.encode()))
    s.sendall(payload)
    log.append(("send", payload))
    got = recv_all(s, wait)
    log.append(("recv", got))
    return got

s = socket.create_connection((host, port))
log.append(("#", b"greeting"))
log.append(("recv", recv_all(s, 0.8)))
ex(s, "help", b"help\n")
ex(s, "version", b"version\n")
ex(s, "version with a parameter sets the client version silently", b"version 3\n")
ex(s, "load-stats", b"load-stats\n")
for v in (b"", b" 1", b" 2", b" 3", b" 4"):
    ex(s, "status" + v.decode(), b"status" + v + b"\n")
ex(s, "unknown command", b"frobnicate\n")
ex(s, "CRLF line", b"load-stats\r\n")
ex(s, "tab is dropped (not printable): status\\t2 -> status2", b"status\t2\n")
ex(s, "control bytes and NUL dropped", b"\x01he\x00lp\x02\x7f\n")
ex(s, "high bytes kept", b"kill \xc3\xa9t\xe9\n")
ex(s, "empty, blank and comment lines", b"\n   \n# comment\n;x\n")
ex(s, "kill without parameter", b"kill\n")
ex(s, "kill unknown CN", b"kill nobody\n")
ex(s, "kill quoted CN with a space", b'kill "a b"\n')
ex(s, "kill unknown address", b"kill 10.99.1.9:1234\n")
ex(s, "kill short IPv4 form", b"kill 10.1:1234\n")
ex(s, "kill bad address", b"kill foo:1234\n")
ex(s, "kill port 0", b"kill 10.99.1.9:0\n")
ex(s, "kill port 65536", b"kill 10.99.1.9:65536\n")
ex(s, "kill port junk", b"kill 10.99.1.9:x\n")
ex(s, "kill empty host", b"kill :1194\n")
ex(s, "kill IPv6 (split at the first colon)", b"kill fd99:2::2\n")
ex(s, "kill three fields", b"kill 10.99.1.9:1234:5\n")
ex(s, "unterminated quote", b'kill "abc\n')
ex(s, "unterminated single quote", b"kill 'abc\n")
ex(s, "bad backslash", b"kill a\\qb\n")
ex(s, "backslash-escaped space", b"kill a\\ b\n")
ex(s, "parameter too long", b"kill " + b"p" * 300 + b"\n")
ex(s, "17 parameters (16 kept)", b"status 2 " + b"x " * 15 + b"\n")
ex(s, "line of 1023 chars", b"kill " + b"k" * 1018 + b"\n")
ex(s, "line of 1024 chars", b"kill " + b"k" * 1019 + b"\n")
ex(s, "line of 1500 chars then version", b"kill " + b"k" * 1495 + b"\nversion\n")
ex(s, "two commands in one write", b"load-stats\nbytecount 0\n")
ex(s, "bytecount without parameter", b"bytecount\n")
ex(s, "bytecount 1 while clients ping", b"bytecount 1\n", wait=3.5)
ex(s, "bytecount 0", b"bytecount 0\n", wait=1.5)
got = ex(s, "status 2 to learn c1's port", b"status 2\n")
m = re.search(rb"CLIENT_LIST,c1,10\.99\.1\.2:(\d+),", got)
if m:
    ex(s, "kill c1 by address", b"kill 10.99.1.2:" + m.group(1) + b"\n")
ex(s, "kill c2 by common name", b"kill c2\n")
ex(s, "command after partial line, split writes", b"ver")
ex(s, "rest", b"sion\n")
ex(s, "exit closes", b"exit\nversion\n", wait=1.0)
s.close()

s = socket.create_connection((host, port))
log.append(("#", b"second connection"))
log.append(("recv", recv_all(s, 0.8)))
ex(s, "quit closes", b"quit\n", wait=1.0)
s.close()

with open(out + "/exchanges.txt", "w") as f:
    f.write("# stock OpenVPN 2.6.14 management exchanges, see README.md\n")
    for kind, data in log:
        if kind == "#":
            f.write("# " + data.decode() + "\n")
        else:
            f.write(kind + " " + data.hex() + "\n")
with open(out + "/exchanges.log", "w") as f:
    for kind, data in log:
        f.write(kind + " " + repr(data) + "\n")
