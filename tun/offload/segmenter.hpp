#pragma once
// TUN read side of TSO: turns one packet read from a tun fd with IFF_VNET_HDR and
// TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO6 into the wire-ready IP packets it stands for.
//
//   tun read buffer: [virtio_net_hdr][IP][TCP][payload ... up to 64 KB]
//        │ Segmenter(view)             validates once, holds only a view
//        ▼ segment(i, out)             caller picks `out` (e.g. after its headroom)
//   out: [IP'][TCP'][payload chunk i]   complete, checksummed; caller seals it in place
//
//   gso NONE           one packet; NEEDS_CSUM completed (the peer gets no virtio header)
//   gso TCPV4/TCPV6    count() = ceil(payload / gso_size) segments (1 if the payload
//                      fits, as Linux's tcp_gso_segment() leaves such packets alone)
//   anything else      invalid (UDP/UFO, USO: we never enable TUN_F_USO*)
//
// Segment i of a TCP super-packet: the original IP header with IPv4 total length,
// id + i and header checksum (or IPv6 payload length) rewritten; the TCP header with
// seq + i * gso_size, FIN/PSH kept only on the last segment and CWR only on the first
// (tcp_gso_segment() semantics), and a full TCP checksum computed from scratch (the
// pseudo-header sum the kernel left in the field covers the whole super-packet, so it
// is ignored).  hdr_len and csum_start/csum_offset are not trusted for TCP: the header
// geometry comes from the packet.
//
// Lifetime: the Segmenter keeps a view of the input; it must outlive every segment() call.
// Per packet nothing is allocated.
#include <cstddef>
#include <cstdint>

#include "common/util/bytes.hpp"
#include "tun/offload/tcp_packet.hpp"
#include "tun/offload/virtio_header.hpp"

namespace vpn::tun::offload {

enum class SegmentError {
    None,
    ShortHeader,      // fewer than kVnetHdrSize bytes
    EmptyPacket,      // nothing after the virtio header
    BadCsumOffsets,   // NEEDS_CSUM with csum_start/csum_offset outside the packet
    UnsupportedGso,   // UDP (UFO), UDP_L4 (USO) or an unknown gso_type
    ZeroGsoSize,      // TCPV4/TCPV6 with gso_size 0
    NotTcp,           // TCPV4/TCPV6 but the packet is not a well-formed TCP packet
    VersionMismatch,  // TCPV4 with an IPv6 packet or vice versa
};
const char* to_string(SegmentError e);

class Segmenter {
public:
    // `packet_with_vnet_hdr`: exactly what one read() from the tun fd returned.
    explicit Segmenter(Bytes packet_with_vnet_hdr);

    bool valid() const { return error_ == SegmentError::None; }
    SegmentError error() const { return error_; }
    const VirtioHeader& header() const { return hdr_; }
    Bytes packet() const { return packet_; }  // the IP packet after the virtio header

    // Number of segments; 0 when !valid().
    std::size_t count() const { return count_; }

    // Exact length segment(i) writes; 0 if i >= count().
    std::size_t segment_size(std::size_t i) const;
    // Largest segment_size(i) over all i (the first one); 0 when !valid().
    std::size_t max_segment_size() const { return segment_size(0); }

    // Writes segment i (a plain IP packet, no virtio header) to out[0, segment_size(i)) and
    // returns its length; 0 (nothing written) if i >= count() or out is too small.
    std::size_t segment(std::size_t i, MutBytes out) const;

private:
    std::size_t write_tcp_segment(std::size_t i, std::uint8_t* out) const;

    Bytes packet_;
    VirtioHeader hdr_;
    SegmentError error_ = SegmentError::None;
    std::size_t count_ = 0;
    TcpPacket tcp_;  // valid for TCP gso types only
};

// Completes a NEEDS_CSUM packet in place, the way skb_checksum_help() does: sums
// packet[csum_start, end) — the field at csum_start + csum_offset holds the pseudo-header
// sum — and stores the complement there (0 becomes 0xffff, as UDP needs).  True if the
// header has no NEEDS_CSUM (nothing to do) or the checksum was completed; false
// (packet untouched) if the offsets do not fit in `packet`.  For gso NONE packets this
// lets a caller that read the packet where it wants it skip Segmenter's copy.
bool complete_checksum(const VirtioHeader& hdr, MutBytes packet);

}  // namespace vpn::tun::offload
