#pragma once
// Builders for the rtnetlink requests vpn::tun sends (rtnetlink(7)).  Pure functions, so
// tests can compare their bytes against hand-computed messages; rtnetlink.cpp sends them.
#include <cstdint>
#include <optional>

#include "tun/ipv4.hpp"
#include "tun/netlink_message.hpp"

namespace vpn::tun {

// An IPv4 address on an interface, as RTM_NEWADDR/RTM_DELADDR carry it.
//   p2p (tun):  local=10.8.0.1 address=10.8.0.2 prefix 32      (ip addr add 10.8.0.1 peer 10.8.0.2)
//   subnet:     local=address=192.168.7.1 prefix 24 broadcast 192.168.7.255
struct AddressSpec {
    int ifindex = 0;
    Ipv4 local{};
    Ipv4 address{};
    int prefix_len = 32;
    std::optional<Ipv4> broadcast;
};

// The subnet form for local/prefix_len: address = local, broadcast = local|~mask for
// prefixes up to /30 (/31 per RFC 3021 and /32 have none).  prefix_len in 0..32.
AddressSpec subnet_address_spec(int ifindex, Ipv4 local, int prefix_len);

// A unicast IPv4 route in the main table.  dst must have no host bits beyond prefix_len.
// No gateway means an on-link route (scope link) out of ifindex.  ifindex 0 = unspecified.
struct RouteSpec {
    Ipv4 dst{};
    int prefix_len = 0;
    std::optional<Ipv4> gateway;
    int ifindex = 0;
    std::optional<int> metric;
};

// RTM_SETLINK with IFLA_MTU / IFLA_TXQLEN, or with ifi_change = IFF_UP.
NetlinkMessage build_set_mtu(int ifindex, int mtu);
NetlinkMessage build_set_txqlen(int ifindex, int txqlen);
NetlinkMessage build_set_link_up(int ifindex, bool up);

// RTM_NEWADDR (flags REQUEST|ACK|CREATE|EXCL) or RTM_DELADDR (REQUEST|ACK).
// Attributes in order: IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST (if set).
NetlinkMessage build_address(std::uint16_t type, const AddressSpec& spec);

// RTM_NEWROUTE (REQUEST|ACK|CREATE|EXCL, protocol boot, scope universe with a gateway or
// link without, type unicast) or RTM_DELROUTE (REQUEST|ACK, scope nowhere, protocol and
// type unspecified so it matches any route with that destination/gateway/oif/metric).
// Attributes in order: RTA_DST (if prefix_len > 0), RTA_GATEWAY, RTA_OIF (if ifindex > 0),
// RTA_PRIORITY (if metric).
NetlinkMessage build_route(std::uint16_t type, const RouteSpec& spec);

// Queries: RTM_GETLINK for one index; AF_INET dumps of addresses and routes; RTM_GETROUTE
// lookup of the route the kernel would use for `dst`.
NetlinkMessage build_get_link(int ifindex);
NetlinkMessage build_dump_addresses();
NetlinkMessage build_dump_routes();
NetlinkMessage build_get_route(Ipv4 dst);

}  // namespace vpn::tun
