#include "p2p/mss_plan.hpp"

#include "common/openvpn/mss_clamp.hpp"

namespace vpn::p2p {

std::uint16_t mss_for(const config::Options& o, const ChannelShape& ch, const LinkPlan& plan) {
    ovpn::MssfixParams p;
    if (o.mssfix) {
        p.mssfix = *o.mssfix;
        p.encap = o.mssfix_encap;
        p.fixed = o.mssfix_fixed;
    } else if (o.tun_mtu == 1500) {
        p.mssfix = 1492;
        p.encap = true;
    } else {
        p.mssfix = o.tun_mtu;
        p.fixed = true;
    }
    p.block_size = ch.block_size;
    p.crypto_overhead = ch.crypto_overhead;
    p.payload_overhead =
        ch.packet_id + (o.lzo_framing() ? 1 : 0) + (o.device_type() == config::DevType::Tap ? 14 : 0);
    const bool tcp = plan.proto != config::Proto::Udp;
    p.transport_overhead = (tcp ? 2 : 0) + ch.opcode;
    p.encap_overhead = (plan.family == AF_INET ? 20 : 40) + (tcp ? 20 : 8);
    return ovpn::mssfix_value(p);
}

}  // namespace vpn::p2p
