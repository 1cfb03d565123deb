#!/usr/bin/env python3
"""Play the ESP peer of a running `vpn` (technique ipsec + secret) with scapy.

usage:
  esp_scapy_tun.py peer --key KEYFILE --suite SUITE --tun LOCAL PEER
                        --outer LOCAL PEER [--udp] [--replay-window N]
                        --udp-echo PORT --tcp-closed PORT --accepted FILE
      exchange packets with vpn (raw IP protocol 50, or UDP 4500 with --udp);
      first "SPIS out=0x.. in=0x.." (as LOCAL derives them), one PASS/FAIL line
      per check, then "COUNTS accepted=A bad_icv=B replay=R":
      what vpn's TUN and drop counters must show.  FILE gets the inner packets
      vpn should have written to its TUN (hex, one a line, in order).
  esp_scapy_tun.py tun-pcap PCAP FILE SRC
      the packets from SRC captured on vpn's TUN must be exactly FILE's.

The SAs are derived here from ipsec/manual/static_key_sas.hpp's comment alone (an
independent reading of the documentation, not of the C++): both the SPIs and the
keys; scapy's SecurityAssociation does the ESP.  Exit status 0 only if all pass.
"""
import argparse
import hashlib
import hmac
import ipaddress
import os
import select
import socket
import sys
import time
import warnings

warnings.filterwarnings("ignore")  # cryptography deprecation notices
from scapy.layers.inet import ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402
from scapy.packet import Raw  # noqa: E402

# IKEv2 transform ids (IANA, RFC 7296 §3.3.2 and RFC 4106): the "encr id" and "integ
# id" of the seed; an AEAD has no integrity transform, hence integ id 0 (NONE).
# suite: (encr id, encr key bits, salt bytes, integ id, integ key bytes, scapy crypt, scapy auth)
SUITES = {
    "aes256gcm16": (20, 256, 4, 0, 0, "AES-GCM", "NULL"),
    "aes128gcm16": (20, 128, 4, 0, 0, "AES-GCM", "NULL"),
    "aes256-sha256": (12, 256, 0, 12, 32, "AES-CBC", "SHA2-256-128"),
    "aes128-sha1": (12, 128, 0, 2, 20, "AES-CBC", "HMAC-SHA1-96"),
}

FAILS = 0


def check(name, ok, detail=""):
    global FAILS
    print(("PASS " if ok else "FAIL ") + name + (("  " + detail) if detail and not ok else ""), flush=True)
    if not ok:
        FAILS += 1
    return ok


# ------------------------------------------------------------------ derivation

def read_static_key(path):
    """The 256 bytes between the OpenVPN "Static key V1" markers."""
    hexdigits, inside = "", False
    for line in open(path):
        line = line.strip()
        if line.startswith("-----BEGIN OpenVPN Static key"):
            inside = True
        elif line.startswith("-----END OpenVPN Static key"):
            inside = False
        elif inside:
            hexdigits += line
    key = bytes.fromhex(hexdigits)
    if len(key) != 256:
        raise SystemExit("%s: %d key bytes, want 256" % (path, len(key)))
    return key


def addr(a):
    return ipaddress.IPv4Address(a).packed


def derive_spi(k, sender, receiver):
    v = int.from_bytes(hmac.new(k, b"vpn ipsec static-key spi" + addr(sender) + addr(receiver),
                                hashlib.sha256).digest()[:4], "big")
    return 256 + v % (2**32 - 256)


def spi_pair(k, local, peer):
    """(SPI local->peer, SPI peer->local) with the collision rule applied."""
    out, inn = derive_spi(k, local, peer), derive_spi(k, peer, local)
    if out == inn:
        if int(ipaddress.IPv4Address(local)) > int(ipaddress.IPv4Address(peer)):
            out ^= 1
        else:
            inn ^= 1
    return out, inn


def prf_plus(k, seed, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(k, t + seed + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:n]


def derive_keys(k, spi, suite):
    encr_id, bits, salt, integ_id, ilen = SUITES[suite][:5]
    seed = (b"vpn ipsec static-key keymat" + spi.to_bytes(4, "big") + encr_id.to_bytes(2, "big")
            + bits.to_bytes(2, "big") + integ_id.to_bytes(2, "big"))
    elen = bits // 8 + salt
    km = prf_plus(k, seed, elen + ilen)
    return km[:elen], km[elen:]


def scapy_sa(spi, suite, ekey, ikey, outer_src, outer_dst):
    s = SUITES[suite]
    # tunnel_header: scapy encapsulates the whole inner IP packet (ESP tunnel mode).
    return SecurityAssociation(ESP, spi=spi, seq_num=1, crypt_algo=s[5], crypt_key=ekey,
                               auth_algo=s[6], auth_key=ikey or None,
                               tunnel_header=IP(src=outer_src, dst=outer_dst))


# ------------------------------------------------------------------ the wire

class Wire:
    """ESP to/from vpn: raw IP protocol 50, or RFC 3948 UDP 4500 (no marker for ESP)."""

    def __init__(self, local, peer, udp):
        self.local, self.peer, self.udp = local, peer, udp
        if udp:
            self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.s.bind((local, 4500))
        else:
            # A raw socket for protocol 50 gets a copy of every ESP packet (IP header
            # included), and its presence keeps the kernel from answering protocol
            # unreachable.
            self.s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ESP)
        self.s.setblocking(False)

    def send(self, esp):
        self.s.sendto(esp, (self.peer, 4500 if self.udp else 0))

    def recv(self, timeout):
        """The next ESP packet (SPI..ICV) from the peer within timeout, or None."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.s], [], [], left)[0]:
                return None
            data, src = self.s.recvfrom(65535)
            if src[0] != self.peer:
                continue
            if self.udp:
                if src[1] != 4500 or data[:1] == b"\xff" or len(data) < 8:
                    continue  # keepalive or from another port
                return data
            return data[(data[0] & 15) * 4:]


def esp_of(pkt):
    raw = bytes(pkt)
    ihl = (raw[0] & 15) * 4
    return raw[ihl + 8:] if raw[9] == socket.IPPROTO_UDP else raw[ihl:]


def csum_ok(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s == 0xffff


# ------------------------------------------------------------------ peer

def run_peer(a):
    k = read_static_key(a.key)
    lt, pt = a.tun
    lo, po = a.outer
    spi_out, spi_in = spi_pair(k, lt, pt)
    ek_out, ik_out = derive_keys(k, spi_out, a.suite)
    ek_in, ik_in = derive_keys(k, spi_in, a.suite)
    print("SPIS out=0x%08x in=0x%08x" % (spi_out, spi_in), flush=True)
    out_sa = scapy_sa(spi_out, a.suite, ek_out, ik_out, lo, po)
    in_sa = scapy_sa(spi_in, a.suite, ek_in, ik_in, po, lo)
    wire = Wire(lo, po, a.udp)
    accepted = []  # inner packets vpn must write to its TUN, in order

    def seal(inner):
        return esp_of(out_sa.encrypt(inner))

    def open_(esp):
        """scapy decrypts and verifies one of vpn's packets (its SPI must be spi_in)."""
        outer = IP(bytes(IP(src=po, dst=lo, proto=50) / Raw(esp)))
        return bytes(in_sa.decrypt(outer))

    def exchange(name, inner, expect):
        """send inner sealed, decrypt the reply, expect(reply_bytes) -> error text or ''"""
        esp = seal(inner)
        wire.send(esp)
        accepted.append(bytes(inner))
        got = wire.recv(3.0)
        if got is None:
            check(name, False, "no ESP reply within 3s")
            return esp
        if int.from_bytes(got[:4], "big") != spi_in:
            check(name, False, "reply SPI 0x%s, want 0x%08x" % (got[:4].hex(), spi_in))
            return esp
        try:
            reply = open_(got)
        except Exception as ex:  # IPSecIntegrityError, padding errors
            check(name, False, "scapy cannot open vpn's reply: %r" % ex)
            return esp
        err = expect(reply)
        check(name, not err, err)
        return esp

    def expect_echo(ident, seq, payload):
        def f(r):
            ip = IP(r)
            if (ip.src, ip.dst) != (pt, lt) or ip.proto != 1:
                return "reply %s -> %s proto %d" % (ip.src, ip.dst, ip.proto)
            icmp = r[ip.ihl * 4:]
            if icmp[0] != 0 or icmp[1] != 0:
                return "ICMP type %d code %d, want echo reply" % (icmp[0], icmp[1])
            if not csum_ok(icmp):
                return "ICMP checksum wrong"
            gi, gs = int.from_bytes(icmp[4:6], "big"), int.from_bytes(icmp[6:8], "big")
            if (gi, gs) != (ident, seq):
                return "id/seq %d/%d, want %d/%d" % (gi, gs, ident, seq)
            if icmp[8:] != payload:
                return "payload differs: %d bytes, want %d; first difference at %s" % (
                    len(icmp) - 8, len(payload),
                    next((i for i, (x, y) in enumerate(zip(icmp[8:], payload)) if x != y), "the end"))
            return ""
        return f

    def echo(ident, seq, n):
        payload = (bytes(range(256)) * 8)[seq:seq + n]
        inner = IP(src=lt, dst=pt, id=seq) / ICMP(id=ident, seq=seq) / Raw(payload)
        return exchange("echo id %d seq %d, %d bytes payload" % (ident, seq, n), inner,
                        expect_echo(ident, seq, payload))

    def expect_udp(sport, payload):
        def f(r):
            ip = IP(r)
            if (ip.src, ip.dst, ip.proto) != (pt, lt, 17):
                return "reply %s -> %s proto %d" % (ip.src, ip.dst, ip.proto)
            u = r[ip.ihl * 4:]
            ports = (int.from_bytes(u[0:2], "big"), int.from_bytes(u[2:4], "big"))
            if ports != (a.udp_echo, sport):
                return "UDP ports %d -> %d, want %d -> %d" % (ports + (a.udp_echo, sport))
            if u[8:] != payload:
                return "echoed %d bytes, want %d (%s...)" % (len(u) - 8, len(payload), u[8:24].hex())
            return ""
        return f

    def expect_rst(sport, seq):
        def f(r):
            ip = IP(r)
            if (ip.src, ip.dst, ip.proto) != (pt, lt, 6):
                return "reply %s -> %s proto %d" % (ip.src, ip.dst, ip.proto)
            t = ip[TCP]
            if (t.sport, t.dport) != (a.tcp_closed, sport) or t.flags != "RA" or t.ack != seq + 1:
                return "TCP %d -> %d flags %s ack %d, want RST+ACK ack %d" % (
                    t.sport, t.dport, t.flags, t.ack, seq + 1)
            return ""
        return f

    # 1. traffic that must pass: echo requests of several sizes (the first teaches
    # vpn where its peer is), UDP datagrams echoed by a server in srv, a TCP SYN to
    # a closed port (the RST acknowledges our sequence number).  If the first gets
    # no answer, the SAs disagree: the rest would only wait out its timeouts.
    first = echo(0x5a17, 1, 56)
    if FAILS:
        return 1
    for seq, n in ((2, 0), (3, 1), (4, 17), (5, 1000), (6, 1372)):
        echo(0x5a17, seq, n)
    for i, n in enumerate((1, 333, 1200)):
        payload = os.urandom(n)
        sport = 40000 + i
        exchange("UDP %d bytes to the echo server" % n,
                 IP(src=lt, dst=pt) / UDP(sport=sport, dport=a.udp_echo) / Raw(payload),
                 expect_udp(sport, payload))
    exchange("TCP SYN to a closed port -> RST", IP(src=lt, dst=pt) / TCP(sport=40100, dport=a.tcp_closed,
                                                                         seq=123456789, flags="S"),
             expect_rst(40100, 123456789))

    # 2. what must not pass: the right SPI under other keys; a valid packet with one
    # ICV byte flipped; with a replay window, a replay of the first packet.  None of
    # them may reach the TUN or produce any ESP from vpn.
    bad_icv = replay = 0
    ek_w, ik_w = os.urandom(len(ek_out)), os.urandom(len(ik_out))
    wrong_sa = scapy_sa(spi_out, a.suite, ek_w, ik_w, lo, po)
    wrong_sa.seq_num = out_sa.seq_num + 50  # a fresh sequence number, so not a replay
    wire.send(esp_of(wrong_sa.encrypt(IP(src=lt, dst=pt) / ICMP(id=0x5a17, seq=90) / Raw(b"wrong key"))))
    bad_icv += 1
    held_inner = IP(src=lt, dst=pt, id=91) / ICMP(id=0x5a17, seq=91) / Raw(b"held back, then sent intact")
    held = seal(held_inner)
    flipped = bytearray(held)
    flipped[-1] ^= 0x01  # the last ICV byte
    wire.send(bytes(flipped))
    bad_icv += 1
    if a.replay_window:
        wire.send(first)
        replay += 1
    stray = wire.recv(1.0)
    check("wrong key, flipped ICV%s: no ESP comes back" % (", replay" if a.replay_window else ""),
          stray is None, "got %d bytes of ESP, SPI %s" % (len(stray), stray[:4].hex()) if stray else "")

    # 3. the packet whose flipped copy was dropped, now intact: the forgery must not
    # have consumed its sequence number.
    wire.send(held)
    accepted.append(bytes(held_inner))
    got = wire.recv(3.0)
    err = "no ESP reply within 3s" if got is None else ""
    if got is not None:
        try:
            err = expect_echo(0x5a17, 91, b"held back, then sent intact")(open_(got))
        except Exception as ex:
            err = "scapy cannot open vpn's reply: %r" % ex
    check("the intact packet after its forged copy is accepted", not err, err)

    # 4. without a replay window the documentation promises no anti-replay: the
    # replay is delivered (and answered) like the original.
    if not a.replay_window:
        wire.send(first)
        accepted.append(accepted[0])
        got = wire.recv(3.0)
        err = "no ESP reply within 3s" if got is None else ""
        if got is not None:
            try:
                err = expect_echo(0x5a17, 1, (bytes(range(256)) * 8)[1:57])(open_(got))
            except Exception as ex:
                err = "scapy cannot open vpn's reply: %r" % ex
        check("no replay window: a replay is accepted, as documented", not err, err)

    with open(a.accepted, "w") as f:
        for p in accepted:
            f.write(p.hex() + "\n")
    print("COUNTS accepted=%d bad_icv=%d replay=%d" % (len(accepted), bad_icv, replay), flush=True)
    return 1 if FAILS else 0


def run_tun_pcap(pcap, listfile, src):
    from scapy.utils import rdpcap
    want = [bytes.fromhex(x) for x in open(listfile).read().split()]
    got = []
    for p in rdpcap(pcap):
        b = bytes(p)
        # tcpdump on a tun writes LINKTYPE_RAW: the IP packet itself.
        if len(b) >= 20 and b[0] >> 4 == 4 and socket.inet_ntoa(b[12:16]) == src:
            got.append(b)
    if got == want:
        check("TUN capture: the %d decrypted packets are exactly what scapy sealed" % len(want), True)
        return 0
    i = next((i for i, (x, y) in enumerate(zip(got, want)) if x != y), min(len(got), len(want)))
    detail = "%d captured, %d sent; packet #%d " % (len(got), len(want), i)
    if i < len(got) and i < len(want):
        g, w = got[i], want[i]
        j = next((j for j, (x, y) in enumerate(zip(g, w)) if x != y), min(len(g), len(w)))
        detail += "(%d vs %d bytes) differs at byte %d: got %s want %s" % (
            len(g), len(w), j, g[j:j + 16].hex() or "-", w[j:j + 16].hex() or "-")
    else:
        detail += "is missing on the %s side" % ("capture" if i >= len(got) else "sent")
    check("TUN capture: the decrypted packets are exactly what scapy sealed", False, detail)
    return 1


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "tun-pcap":
        return run_tun_pcap(*sys.argv[2:5])
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["peer"])
    p.add_argument("--key", required=True)
    p.add_argument("--suite", required=True, choices=sorted(SUITES))
    p.add_argument("--tun", nargs=2, required=True, metavar=("LOCAL", "PEER"))
    p.add_argument("--outer", nargs=2, required=True, metavar=("LOCAL", "PEER"))
    p.add_argument("--udp", action="store_true")
    p.add_argument("--replay-window", type=int, default=0)
    p.add_argument("--udp-echo", type=int, required=True)
    p.add_argument("--tcp-closed", type=int, required=True)
    p.add_argument("--accepted", required=True)
    return run_peer(p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
