#include "tun/rtnetlink_request.hpp"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

namespace vpn::tun {

namespace {

constexpr std::uint16_t kCreate = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
constexpr std::uint16_t kModify = NLM_F_REQUEST | NLM_F_ACK;

NetlinkMessage link_message(int ifindex) {
    NetlinkMessage msg(RTM_SETLINK, kModify);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = ifindex;
    msg.put_header(ifi);
    return msg;
}

}  // namespace

NetlinkMessage build_set_mtu(int ifindex, int mtu) {
    NetlinkMessage msg = link_message(ifindex);
    msg.put_u32(IFLA_MTU, static_cast<std::uint32_t>(mtu));
    return msg;
}

NetlinkMessage build_set_txqlen(int ifindex, int txqlen) {
    NetlinkMessage msg = link_message(ifindex);
    msg.put_u32(IFLA_TXQLEN, static_cast<std::uint32_t>(txqlen));
    return msg;
}

NetlinkMessage build_set_link_up(int ifindex, bool up) {
    NetlinkMessage msg(RTM_SETLINK, kModify);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = ifindex;
    ifi.ifi_flags = up ? IFF_UP : 0;
    ifi.ifi_change = IFF_UP;  // touch only the UP bit
    msg.put_header(ifi);
    return msg;
}

NetlinkMessage build_address(std::uint16_t type, const AddressSpec& spec) {
    NetlinkMessage msg(type, type == RTM_NEWADDR ? kCreate : kModify);
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET;
    ifa.ifa_prefixlen = static_cast<std::uint8_t>(spec.prefix_len);
    ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    ifa.ifa_index = static_cast<std::uint32_t>(spec.ifindex);
    msg.put_header(ifa);
    msg.put_ipv4(IFA_LOCAL, spec.local);
    msg.put_ipv4(IFA_ADDRESS, spec.address);
    if (spec.broadcast) msg.put_ipv4(IFA_BROADCAST, *spec.broadcast);
    return msg;
}

AddressSpec subnet_address_spec(int ifindex, Ipv4 local, int prefix_len) {
    AddressSpec spec{ifindex, local, local, prefix_len, std::nullopt};
    if (prefix_len <= 30) spec.broadcast = Ipv4{local.be | ~prefix_to_netmask(prefix_len).be};
    return spec;
}

NetlinkMessage build_route(std::uint16_t type, const RouteSpec& spec) {
    const bool add = type == RTM_NEWROUTE;
    NetlinkMessage msg(type, add ? kCreate : kModify);
    rtmsg rt{};
    rt.rtm_family = AF_INET;
    rt.rtm_dst_len = static_cast<std::uint8_t>(spec.prefix_len);
    rt.rtm_table = RT_TABLE_MAIN;
    if (add) {
        // What `ip route add` sends; OpenVPN's own routes look the same to `ip route`.
        rt.rtm_protocol = RTPROT_BOOT;
        rt.rtm_scope = spec.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
        rt.rtm_type = RTN_UNICAST;
    } else {
        // fib_table_delete() treats scope NOWHERE / protocol 0 / type 0 as wildcards.
        rt.rtm_scope = RT_SCOPE_NOWHERE;
    }
    msg.put_header(rt);
    if (spec.prefix_len > 0) msg.put_ipv4(RTA_DST, spec.dst);
    if (spec.gateway) msg.put_ipv4(RTA_GATEWAY, *spec.gateway);
    if (spec.ifindex > 0) msg.put_u32(RTA_OIF, static_cast<std::uint32_t>(spec.ifindex));
    if (spec.metric) msg.put_u32(RTA_PRIORITY, static_cast<std::uint32_t>(*spec.metric));
    return msg;
}

NetlinkMessage build_get_link(int ifindex) {
    NetlinkMessage msg(RTM_GETLINK, kModify);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = ifindex;
    msg.put_header(ifi);
    return msg;
}

NetlinkMessage build_dump_addresses() {
    NetlinkMessage msg(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET;
    msg.put_header(ifa);
    return msg;
}

NetlinkMessage build_dump_routes() {
    NetlinkMessage msg(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
    rtmsg rt{};
    rt.rtm_family = AF_INET;
    msg.put_header(rt);
    return msg;
}

NetlinkMessage build_get_route(Ipv4 dst) {
    NetlinkMessage msg(RTM_GETROUTE, kModify);
    rtmsg rt{};
    rt.rtm_family = AF_INET;
    rt.rtm_dst_len = 32;
    msg.put_header(rt);
    msg.put_ipv4(RTA_DST, dst);
    return msg;
}

}  // namespace vpn::tun
