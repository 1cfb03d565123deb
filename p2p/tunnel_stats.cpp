#include "p2p/tunnel_stats.hpp"

#include <fmt/format.h>

namespace vpn::p2p {

const char* link_drop_name(LinkDrop d) {
    switch (d) {
        case LinkDrop::WrongSource: return "wrong-source";
        case LinkDrop::BadPayload: return "bad-payload";
        case LinkDrop::Truncated: return "truncated";
        case LinkDrop::TunWrite: return "tun-write-error";
        case LinkDrop::LinkWrite: return "link-write-error";
        case LinkDrop::NoPeer: return "no-peer-yet";
        case LinkDrop::NoKey: return "no-send-key";
        case LinkDrop::SpdDiscard: return "spd-discard";
        case LinkDrop::SpdClear: return "spd-clear";
        case LinkDrop::SpdNoSa: return "spd-no-sa";
        case LinkDrop::SpdNoPolicy: return "spd-no-policy";
        case LinkDrop::SpdInMismatch: return "spd-in-mismatch";
        case LinkDrop::Count: break;
    }
    return "?";
}

std::uint64_t TunnelStats::total_drops() const {
    std::uint64_t n = 0;
    for (auto v : codec_drops) n += v;
    for (auto v : link_drops) n += v;
    return n;
}

std::vector<std::string> TunnelStats::report_lines() const {
    std::vector<std::string> out;
    out.push_back("OpenVPN STATISTICS");
    out.push_back(fmt::format("TUN/TAP read bytes,{}", tun_read_bytes));
    out.push_back(fmt::format("TUN/TAP write bytes,{}", tun_write_bytes));
    out.push_back(fmt::format("TCP/UDP read bytes,{}", link_read_bytes));
    out.push_back(fmt::format("TCP/UDP write bytes,{}", link_write_bytes));
    out.push_back(fmt::format("Auth read bytes,{}", tun_write_bytes));
    out.push_back(fmt::format("pings sent,{}", pings_sent));
    out.push_back(fmt::format("pings received,{}", pings_received));
    out.push_back(fmt::format("IKE auth failures,{}", ike_auth_failures));
    out.push_back(fmt::format("IKE drops,{}", ike_drops));
    out.push_back(fmt::format("IKE retransmits,{}", ike_retransmits));
    for (std::size_t i = 0; i < codec_drops.size(); ++i)
        out.push_back(fmt::format("drop {},{}", ovpn::drop_name(static_cast<ovpn::Drop>(i)), codec_drops[i]));
    for (std::size_t i = 0; i < link_drops.size(); ++i)
        out.push_back(fmt::format("drop {},{}", link_drop_name(static_cast<LinkDrop>(i)), link_drops[i]));
    out.push_back(fmt::format("drops total,{}", total_drops()));
    out.push_back("END");
    return out;
}

TunnelStats& TunnelStats::operator+=(const TunnelStats& s) {
    TunnelStats& to = *this;
    to.tun_read_bytes += s.tun_read_bytes;
    to.tun_read_packets += s.tun_read_packets;
    to.tun_write_bytes += s.tun_write_bytes;
    to.tun_write_packets += s.tun_write_packets;
    to.link_read_bytes += s.link_read_bytes;
    to.link_read_packets += s.link_read_packets;
    to.link_write_bytes += s.link_write_bytes;
    to.link_write_packets += s.link_write_packets;
    to.pings_sent += s.pings_sent;
    to.pings_received += s.pings_received;
    to.ike_auth_failures += s.ike_auth_failures;
    to.ike_drops += s.ike_drops;
    to.ike_retransmits += s.ike_retransmits;
    for (std::size_t i = 0; i < to.codec_drops.size(); ++i) to.codec_drops[i] += s.codec_drops[i];
    for (std::size_t i = 0; i < to.link_drops.size(); ++i) to.link_drops[i] += s.link_drops[i];
    return *this;
}

}  // namespace vpn::p2p
