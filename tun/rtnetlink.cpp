#include "tun/rtnetlink.hpp"

#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cerrno>

#include <fmt/format.h>

#include "tun/netlink_socket.hpp"
#include "tun/rtnetlink_request.hpp"

namespace vpn::tun {

namespace {

// Sends one change request and turns a kernel refusal into "cannot <what>: <errno text>".
void send_change(NetlinkMessage msg, const std::string& what) {
    NetlinkSocket sock;
    const NetlinkResult result = sock.request(msg);
    if (!result.ok()) throw TunError(fmt::format("cannot {}: {}", what, result.describe()), result.error);
}

void check_prefix(int prefix_len, const std::string& what) {
    if (prefix_len < 0 || prefix_len > 32)
        throw TunError(fmt::format("cannot {}: prefix length {} out of range 0..32", what, prefix_len), EINVAL);
}

std::string route_text(const RouteSpec& r) {
    std::string s = fmt::format("{}/{}", format_ipv4(r.dst), r.prefix_len);
    if (r.gateway) s += " via " + format_ipv4(*r.gateway);
    if (r.ifindex > 0) s += " dev " + interface_label(r.ifindex);
    if (r.metric) s += fmt::format(" metric {}", *r.metric);
    return s;
}

void change_route(std::uint16_t type, const RouteSpec& spec) {
    const char* verb = type == RTM_NEWROUTE ? "add" : "delete";
    check_prefix(spec.prefix_len, fmt::format("{} route", verb));
    const std::string what = fmt::format("{} route {}", verb, route_text(spec));
    // The kernel would say only "Invalid argument"; say which bits are wrong instead.
    if (network_of(spec.dst, spec.prefix_len) != spec.dst)
        throw TunError(fmt::format("cannot {}: {} has host bits set beyond /{} (network is {})", what,
                                   format_ipv4(spec.dst), spec.prefix_len,
                                   format_ipv4(network_of(spec.dst, spec.prefix_len))),
                       EINVAL);
    if (type == RTM_NEWROUTE && !spec.gateway && spec.ifindex <= 0)
        throw TunError(fmt::format("cannot {}: neither gateway nor interface given", what), EINVAL);
    if (spec.metric && *spec.metric < 0)
        throw TunError(fmt::format("cannot {}: negative metric", what), EINVAL);
    send_change(build_route(type, spec), what);
}

}  // namespace

std::string interface_label(int ifindex) {
    char name[IF_NAMESIZE] = {};
    if (ifindex > 0 && ::if_indextoname(static_cast<unsigned>(ifindex), name)) return name;
    return fmt::format("ifindex {}", ifindex);
}

void set_mtu(int ifindex, int mtu) {
    send_change(build_set_mtu(ifindex, mtu), fmt::format("set MTU {} on {}", mtu, interface_label(ifindex)));
}

void set_link_up(int ifindex, bool up) {
    send_change(build_set_link_up(ifindex, up),
          fmt::format("set {} {}", interface_label(ifindex), up ? "up" : "down"));
}

void set_txqueuelen(int ifindex, int len) {
    send_change(build_set_txqlen(ifindex, len),
          fmt::format("set txqueuelen {} on {}", len, interface_label(ifindex)));
}

void add_address_p2p(int ifindex, Ipv4 local, Ipv4 peer) {
    send_change(build_address(RTM_NEWADDR, AddressSpec{ifindex, local, peer, 32, std::nullopt}),
          fmt::format("add address {} peer {} on {}", format_ipv4(local), format_ipv4(peer),
                      interface_label(ifindex)));
}

void del_address_p2p(int ifindex, Ipv4 local, Ipv4 peer) {
    send_change(build_address(RTM_DELADDR, AddressSpec{ifindex, local, peer, 32, std::nullopt}),
          fmt::format("delete address {} peer {} on {}", format_ipv4(local), format_ipv4(peer),
                      interface_label(ifindex)));
}

void add_address(int ifindex, Ipv4 local, int prefix_len) {
    check_prefix(prefix_len, "add address");
    send_change(build_address(RTM_NEWADDR, subnet_address_spec(ifindex, local, prefix_len)),
          fmt::format("add address {}/{} on {}", format_ipv4(local), prefix_len, interface_label(ifindex)));
}

void del_address(int ifindex, Ipv4 local, int prefix_len) {
    check_prefix(prefix_len, "delete address");
    send_change(build_address(RTM_DELADDR, subnet_address_spec(ifindex, local, prefix_len)),
          fmt::format("delete address {}/{} on {}", format_ipv4(local), prefix_len,
                      interface_label(ifindex)));
}

void add_route(Ipv4 dst, int prefix_len, std::optional<Ipv4> gateway, int ifindex, std::optional<int> metric) {
    change_route(RTM_NEWROUTE, RouteSpec{dst, prefix_len, gateway, ifindex, metric});
}

void del_route(Ipv4 dst, int prefix_len, std::optional<Ipv4> gateway, int ifindex, std::optional<int> metric) {
    change_route(RTM_DELROUTE, RouteSpec{dst, prefix_len, gateway, ifindex, metric});
}

}  // namespace vpn::tun
