#pragma once
// A validated view of one IPv4 or IPv6 TCP packet: the header geometry the segmenter and
// the coalescer both need, computed from the packet itself and checked against its size.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/util/bytes.hpp"

namespace vpn::tun::offload {

// TCP flags (RFC 9293 §3.1, RFC 3168 §6.1): byte 13 of the TCP header.
inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;
inline constexpr std::uint8_t kTcpUrg = 0x20;
inline constexpr std::uint8_t kTcpEce = 0x40;
inline constexpr std::uint8_t kTcpCwr = 0x80;

inline constexpr std::size_t kTcpCheckOffset = 16;   // checksum field within the TCP header
inline constexpr std::size_t kMaxIpPacket = 65535;   // IPv4 total length / our cap for IPv6 too

struct TcpPacket {
    Bytes bytes;                     // the whole IP packet, exactly (no trailing bytes)
    std::uint8_t version = 0;        // 4 or 6
    std::size_t ip_header_len = 0;   // IPv4: IHL * 4 (20..60); IPv6: 40
    std::size_t tcp_header_len = 0;  // data offset * 4 (20..60)

    std::size_t header_len() const { return ip_header_len + tcp_header_len; }
    std::size_t payload_len() const { return bytes.size() - header_len(); }
    const std::uint8_t* ip() const { return bytes.data(); }
    const std::uint8_t* tcp() const { return bytes.data() + ip_header_len; }
    std::uint32_t seq() const { return load_be32(tcp() + 4); }
    std::uint32_t ack() const { return load_be32(tcp() + 8); }
    std::uint8_t flags() const { return tcp()[13]; }
    std::uint32_t tcp_len() const { return static_cast<std::uint32_t>(bytes.size() - ip_header_len); }
    // Source and destination address bytes (4 or 16 each, network order).
    const std::uint8_t* src_addr() const { return ip() + (version == 4 ? 12 : 8); }
    const std::uint8_t* dst_addr() const { return ip() + (version == 4 ? 16 : 24); }
    // Pseudo-header sum for this packet's TCP length (checksum.hpp).
    std::uint64_t pseudo_header() const;
};

// Parses `packet` as TCP over IPv4 or IPv6.  nullopt unless all of these hold:
//   IPv4: version 4, IHL >= 5, total length == packet.size(), protocol 6, not a fragment
//         (MF clear, offset 0).  IPv4 options are allowed (ip_header_len > 20).
//   IPv6: version 6, payload length + 40 == packet.size(), next header 6 (extension
//         headers are not followed: such packets are rejected).
//   TCP:  data offset >= 5 and the whole TCP header inside the packet.
// Checksums are not checked here.
std::optional<TcpPacket> parse_tcp_packet(Bytes packet);

}  // namespace vpn::tun::offload
