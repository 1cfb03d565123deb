// Read side of rtnetlink.hpp: RTM_GETLINK, address and route dumps, route lookup.
// Replies are parsed defensively: a short family header or a malformed attribute list
// makes the entry be skipped, never read past.
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>

#include <fmt/format.h>

#include "tun/netlink_socket.hpp"
#include "tun/rtnetlink.hpp"
#include "tun/rtnetlink_request.hpp"

namespace vpn::tun {

namespace {

std::optional<LinkInfo> parse_link(Bytes payload) {
    const auto ifi = read_header<ifinfomsg>(payload);
    if (!ifi) return std::nullopt;
    LinkInfo info;
    info.ifindex = ifi->ifi_index;
    info.flags = ifi->ifi_flags;
    AttrReader attrs(payload.subspan(NLMSG_ALIGN(sizeof(ifinfomsg))));
    while (auto a = attrs.next()) {
        if (a->type == IFLA_IFNAME) info.name = std::string(a->as_string());
        else if (a->type == IFLA_MTU && a->as_u32()) info.mtu = static_cast<int>(*a->as_u32());
        else if (a->type == IFLA_TXQLEN && a->as_u32()) info.txqlen = static_cast<int>(*a->as_u32());
    }
    if (attrs.malformed()) return std::nullopt;
    return info;
}

std::optional<AddressInfo> parse_address(Bytes payload) {
    const auto ifa = read_header<ifaddrmsg>(payload);
    if (!ifa || ifa->ifa_family != AF_INET) return std::nullopt;
    AddressInfo info;
    info.ifindex = static_cast<int>(ifa->ifa_index);
    info.prefix_len = ifa->ifa_prefixlen;
    std::optional<Ipv4> local, address;
    AttrReader attrs(payload.subspan(NLMSG_ALIGN(sizeof(ifaddrmsg))));
    while (auto a = attrs.next()) {
        if (a->type == IFA_LOCAL) local = a->as_ipv4();
        else if (a->type == IFA_ADDRESS) address = a->as_ipv4();
        else if (a->type == IFA_BROADCAST) info.broadcast = a->as_ipv4();
    }
    if (attrs.malformed() || (!local && !address)) return std::nullopt;
    info.local = local ? *local : *address;
    info.address = address ? *address : *local;
    return info;
}

std::optional<RouteInfo> parse_route(Bytes payload) {
    const auto rt = read_header<rtmsg>(payload);
    if (!rt || rt->rtm_family != AF_INET) return std::nullopt;
    RouteInfo info;
    info.prefix_len = rt->rtm_dst_len;
    info.table = rt->rtm_table;
    info.protocol = rt->rtm_protocol;
    info.scope = rt->rtm_scope;
    info.type = rt->rtm_type;
    AttrReader attrs(payload.subspan(NLMSG_ALIGN(sizeof(rtmsg))));
    while (auto a = attrs.next()) {
        switch (a->type) {
        case RTA_DST: if (auto v = a->as_ipv4()) info.dst = *v; break;
        case RTA_GATEWAY: info.gateway = a->as_ipv4(); break;
        case RTA_PREFSRC: info.prefsrc = a->as_ipv4(); break;
        case RTA_OIF: if (auto v = a->as_u32()) info.ifindex = static_cast<int>(*v); break;
        case RTA_PRIORITY: if (auto v = a->as_u32()) info.metric = static_cast<int>(*v); break;
        case RTA_TABLE: if (auto v = a->as_u32()) info.table = static_cast<int>(*v); break;  // tables > 255
        default: break;
        }
    }
    if (attrs.malformed()) return std::nullopt;
    return info;
}

[[noreturn]] void fail(const std::string& what, const NetlinkResult& r) {
    throw TunError(fmt::format("cannot {}: {}", what, r.describe()), r.error);
}

}  // namespace

std::optional<LinkInfo> get_link(int ifindex) {
    NetlinkSocket sock;
    NetlinkMessage msg = build_get_link(ifindex);
    std::optional<LinkInfo> found;
    const NetlinkResult r = sock.request(msg, [&](std::uint16_t type, Bytes payload) {
        if (type == RTM_NEWLINK && !found) found = parse_link(payload);
    });
    if (r.error == ENODEV) return std::nullopt;
    if (!r.ok()) fail(fmt::format("read link ifindex {}", ifindex), r);
    return found;
}

std::vector<AddressInfo> list_addresses(int ifindex) {
    NetlinkSocket sock;
    NetlinkMessage msg = build_dump_addresses();
    std::vector<AddressInfo> out;
    const NetlinkResult r = sock.dump(msg, [&](std::uint16_t type, Bytes payload) {
        if (type != RTM_NEWADDR) return;
        auto info = parse_address(payload);
        if (info && (ifindex == 0 || info->ifindex == ifindex)) out.push_back(*info);
    });
    if (!r.ok()) fail("list addresses", r);
    return out;
}

std::vector<RouteInfo> list_routes(int table) {
    NetlinkSocket sock;
    NetlinkMessage msg = build_dump_routes();
    std::vector<RouteInfo> out;
    const NetlinkResult r = sock.dump(msg, [&](std::uint16_t type, Bytes payload) {
        if (type != RTM_NEWROUTE) return;
        auto info = parse_route(payload);
        if (info && (table == 0 || info->table == table)) out.push_back(*info);
    });
    if (!r.ok()) fail("list routes", r);
    return out;
}

std::optional<RouteInfo> route_to(Ipv4 dst) {
    NetlinkSocket sock;
    NetlinkMessage msg = build_get_route(dst);
    std::optional<RouteInfo> found;
    const NetlinkResult r = sock.request(msg, [&](std::uint16_t type, Bytes payload) {
        if (type == RTM_NEWROUTE && !found) found = parse_route(payload);
    });
    if (r.error == ENETUNREACH || r.error == EHOSTUNREACH) return std::nullopt;
    if (!r.ok()) fail(fmt::format("look up route to {}", format_ipv4(dst)), r);
    return found;
}

}  // namespace vpn::tun
