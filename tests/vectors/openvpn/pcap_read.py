"""Reading the reference captures (shared by the vector extraction scripts).

Yields (proto, sport, dport, payload) for every UDP datagram and every TCP
segment with payload, in capture order; pcap of either byte order, with the
Ethernet, Linux cooked or loopback link types the captures use.
"""
import struct


def read_pcap(fn):
    d = open(fn, 'rb').read()
    e = '<' if struct.unpack('<I', d[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    linktype = struct.unpack(e + 'I', d[20:24])[0]
    off = 24
    while off < len(d):
        _, _, incl, _ = struct.unpack(e + 'IIII', d[off:off + 16])
        off += 16
        pkt = d[off:off + incl]
        off += incl
        pkt = pkt[{1: 14, 113: 16, 0: 4}.get(linktype, 0):]
        l4 = pkt[(pkt[0] & 15) * 4:]
        sport, dport = struct.unpack('>HH', l4[:4])
        if pkt[9] == 17:
            yield 'udp', sport, dport, l4[8:]
        elif pkt[9] == 6:
            pl = l4[(l4[12] >> 4) * 4:]
            if pl:
                yield 'tcp', sport, dport, pl


def read_pcap_udp(fn):
    """(sport, dport, payload) of the UDP datagrams only."""
    for proto, sport, dport, pl in read_pcap(fn):
        if proto == 'udp':
            yield sport, dport, pl
