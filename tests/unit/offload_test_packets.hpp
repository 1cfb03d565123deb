#pragma once
// Packet builders for the offload tests (test_offload*.cpp): plain TCP/UDP packets with
// correct checksums, and TSO super-packets laid out the way Linux's tun hands them over
// (virtio_net_hdr with NEEDS_CSUM, TCP checksum field = folded pseudo-header sum).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/util/bytes.hpp"
#include "tun/offload/checksum.hpp"
#include "tun/offload/tcp_packet.hpp"
#include "tun/offload/virtio_header.hpp"

namespace offload_test {

using namespace vpn::tun::offload;
using Buf = std::vector<std::uint8_t>;

struct TcpSpec {
    int version = 4;
    std::array<std::uint8_t, 16> src{10, 8, 0, 1};
    std::array<std::uint8_t, 16> dst{10, 8, 0, 2};
    std::uint16_t sport = 40000;
    std::uint16_t dport = 5201;
    std::uint32_t seq = 0xfffff000;  // wraps inside a 64 KB super-packet
    std::uint32_t ack = 0x12345678;
    std::uint8_t flags = kTcpAck;
    std::uint16_t window = 502;
    Buf options;                     // multiple of 4 bytes
    std::uint16_t id = 0xfffe;       // wraps too
    bool df = true;
    std::uint8_t ttl = 64;
    std::uint8_t tos = 0;
    std::uint32_t flow_label = 0x12345;
    Buf ip_options;                  // IPv4 only, multiple of 4
};

// NOP NOP TS(tsval, tsecr): what Linux puts on every data segment.
inline Buf timestamps(std::uint32_t tsval = 0x01020304, std::uint32_t tsecr = 0x0a0b0c0d) {
    Buf o{1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0};
    vpn::store_be32(o.data() + 4, tsval);
    vpn::store_be32(o.data() + 8, tsecr);
    return o;
}

inline Buf pattern(std::size_t n, std::uint32_t seed = 1) {
    Buf b(n);
    std::uint32_t x = seed * 2654435761u + 12345;
    for (auto& c : b) {
        x = x * 1103515245u + 12345;
        c = static_cast<std::uint8_t>(x >> 16);
    }
    return b;
}

inline std::size_t ip_header_len(const TcpSpec& s) { return s.version == 4 ? 20 + s.ip_options.size() : 40; }

// IP header for an L4 packet of `l4_len` bytes with protocol `proto` (checksum set).
inline Buf ip_header(const TcpSpec& s, std::uint8_t proto, std::size_t l4_len) {
    const std::size_t ihl = ip_header_len(s);
    Buf h(ihl, 0);
    if (s.version == 4) {
        h[0] = static_cast<std::uint8_t>(0x40 | (ihl / 4));
        h[1] = s.tos;
        vpn::store_be16(&h[2], static_cast<std::uint16_t>(ihl + l4_len));
        vpn::store_be16(&h[4], s.id);
        h[6] = s.df ? 0x40 : 0;
        h[8] = s.ttl;
        h[9] = proto;
        std::memcpy(&h[12], s.src.data(), 4);
        std::memcpy(&h[16], s.dst.data(), 4);
        std::copy(s.ip_options.begin(), s.ip_options.end(), h.begin() + 20);
        vpn::store_be16(&h[10], ipv4_header_checksum(h));
    } else {
        vpn::store_be32(&h[0], (6u << 28) | (std::uint32_t{s.tos} << 20) | (s.flow_label & 0xfffff));
        vpn::store_be16(&h[4], static_cast<std::uint16_t>(l4_len));
        h[6] = proto;
        h[7] = s.ttl;
        std::memcpy(&h[8], s.src.data(), 16);
        std::memcpy(&h[24], s.dst.data(), 16);
    }
    return h;
}

inline std::uint64_t pseudo(const TcpSpec& s, std::uint8_t proto, const Buf& ip, std::size_t l4_len) {
    return s.version == 4 ? pseudo_header_ipv4(&ip[12], &ip[16], proto, static_cast<std::uint32_t>(l4_len))
                          : pseudo_header_ipv6(&ip[8], &ip[24], proto, static_cast<std::uint32_t>(l4_len));
}

// A complete TCP packet with valid checksums.
inline Buf tcp_packet(const TcpSpec& s, const Buf& payload) {
    const std::size_t thl = 20 + s.options.size();
    Buf ip = ip_header(s, kProtoTcp, thl + payload.size());
    Buf p = ip;
    const std::size_t th = p.size();
    p.resize(th + thl, 0);
    vpn::store_be16(&p[th], s.sport);
    vpn::store_be16(&p[th + 2], s.dport);
    vpn::store_be32(&p[th + 4], s.seq);
    vpn::store_be32(&p[th + 8], s.ack);
    p[th + 12] = static_cast<std::uint8_t>((thl / 4) << 4);
    p[th + 13] = s.flags;
    vpn::store_be16(&p[th + 14], s.window);
    std::copy(s.options.begin(), s.options.end(), p.begin() + static_cast<std::ptrdiff_t>(th + 20));
    p.insert(p.end(), payload.begin(), payload.end());
    const std::uint64_t acc = pseudo(s, kProtoTcp, ip, thl + payload.size());
    vpn::store_be16(&p[th + 16], finish(sum_bytes(vpn::Bytes(p).subspan(th), acc)));
    return p;
}

// A UDP packet with valid checksum.
inline Buf udp_packet(const TcpSpec& s, const Buf& payload) {
    Buf ip = ip_header(s, kProtoUdp, 8 + payload.size());
    Buf p = ip;
    const std::size_t uh = p.size();
    p.resize(uh + 8, 0);
    vpn::store_be16(&p[uh], s.sport);
    vpn::store_be16(&p[uh + 2], s.dport);
    vpn::store_be16(&p[uh + 4], static_cast<std::uint16_t>(8 + payload.size()));
    p.insert(p.end(), payload.begin(), payload.end());
    std::uint16_t c = finish(sum_bytes(vpn::Bytes(p).subspan(uh), pseudo(s, kProtoUdp, ip, 8 + payload.size())));
    vpn::store_be16(&p[uh + 6], c == 0 ? 0xffff : c);
    return p;
}

// What a tun read returns for a CHECKSUM_PARTIAL packet: the L4 checksum field replaced by
// the folded pseudo-header sum, preceded by `h` (csum_start/offset filled in here).
inline Buf with_partial_csum(Buf packet, VirtioHeader h, std::size_t l4_start, std::size_t check_offset,
                             std::uint64_t pseudo_sum) {
    vpn::store_be16(&packet[l4_start + check_offset], fold(pseudo_sum));
    h.flags |= kFlagNeedsCsum;
    h.csum_start = static_cast<std::uint16_t>(l4_start);
    h.csum_offset = static_cast<std::uint16_t>(check_offset);
    Buf out(kVnetHdrSize);
    write_virtio_header(h, out);
    out.insert(out.end(), packet.begin(), packet.end());
    return out;
}

// A TSO super-packet as tun gives it: hdr_len is skb_headlen(), here deliberately not the
// header length, to show it is not relied on.
inline Buf super_packet(const TcpSpec& s, const Buf& payload, std::uint16_t mss, std::uint16_t hdr_len = 0x80) {
    Buf p = tcp_packet(s, payload);
    const std::size_t ihl = ip_header_len(s);
    Buf ip(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(ihl));
    VirtioHeader h;
    h.gso_type = s.version == 4 ? kGsoTcpV4 : kGsoTcpV6;
    h.gso_size = mss;
    h.hdr_len = hdr_len;
    const std::uint64_t sum = pseudo(s, kProtoTcp, ip, p.size() - ihl);
    return with_partial_csum(std::move(p), h, ihl, kTcpCheckOffset, sum);
}

inline TcpSpec v6_spec() {
    TcpSpec s;
    s.version = 6;
    s.src = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    s.dst = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    return s;
}

}  // namespace offload_test
