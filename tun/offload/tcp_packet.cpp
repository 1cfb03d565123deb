#include "tun/offload/tcp_packet.hpp"

#include "tun/offload/checksum.hpp"

namespace vpn::tun::offload {

std::uint64_t TcpPacket::pseudo_header() const {
    return version == 4 ? pseudo_header_ipv4(src_addr(), dst_addr(), kProtoTcp, tcp_len())
                        : pseudo_header_ipv6(src_addr(), dst_addr(), kProtoTcp, tcp_len());
}

std::optional<TcpPacket> parse_tcp_packet(Bytes packet) {
    if (packet.empty()) return std::nullopt;
    const std::uint8_t* p = packet.data();
    TcpPacket t;
    t.bytes = packet;
    t.version = static_cast<std::uint8_t>(p[0] >> 4);
    if (t.version == 4) {
        if (packet.size() < 20) return std::nullopt;
        t.ip_header_len = std::size_t{p[0] & 0x0fu} * 4;
        if (t.ip_header_len < 20 || t.ip_header_len > packet.size()) return std::nullopt;
        if (load_be16(p + 2) != packet.size()) return std::nullopt;
        if (p[9] != kProtoTcp) return std::nullopt;
        if ((load_be16(p + 6) & 0x3fffu) != 0) return std::nullopt;  // MF or fragment offset
    } else if (t.version == 6) {
        if (packet.size() < 40) return std::nullopt;
        t.ip_header_len = 40;
        if (std::size_t{load_be16(p + 4)} + 40 != packet.size()) return std::nullopt;
        if (p[6] != kProtoTcp) return std::nullopt;
    } else {
        return std::nullopt;
    }
    if (packet.size() - t.ip_header_len < 20) return std::nullopt;
    t.tcp_header_len = static_cast<std::size_t>(p[t.ip_header_len + 12] >> 4) * 4;
    if (t.tcp_header_len < 20 || t.tcp_header_len > packet.size() - t.ip_header_len) return std::nullopt;
    return t;
}

}  // namespace vpn::tun::offload
