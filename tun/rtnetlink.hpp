#pragma once
// Interface configuration over rtnetlink (what `ip link/addr/route` do, without running
// them).  One NETLINK_ROUTE socket per call: these run at setup and teardown only.
// Every function throws TunError naming what was attempted and the kernel's errno text,
// e.g. "cannot add address 10.0.0.1 peer 10.0.0.2 on tun0: File exists"; TunError::error()
// holds the errno.  Transport trouble (no answer within 3 s, malformed reply) also throws.
#include <optional>
#include <string>
#include <vector>

#include "tun/ipv4.hpp"
#include "tun/tun_error.hpp"

namespace vpn::tun {

// --- link -----------------------------------------------------------------------------
void set_mtu(int ifindex, int mtu);
void set_link_up(int ifindex, bool up);
void set_txqueuelen(int ifindex, int len);

// --- addresses ------------------------------------------------------------------------
// tun (point-to-point): IFA_LOCAL=local, IFA_ADDRESS=peer, prefix /32.  The kernel adds a
// host route to `peer` through the interface.
void add_address_p2p(int ifindex, Ipv4 local, Ipv4 peer);
void del_address_p2p(int ifindex, Ipv4 local, Ipv4 peer);
// tap / subnet: local/prefix_len (0..32) with broadcast local|~mask for prefixes up to /30.
void add_address(int ifindex, Ipv4 local, int prefix_len);
void del_address(int ifindex, Ipv4 local, int prefix_len);

// --- routes (IPv4, main table) --------------------------------------------------------
// `dst` must be a network address (no bits set beyond prefix_len; checked, TunError with
// EINVAL otherwise).  No gateway: on-link route out of ifindex.  ifindex 0 lets the
// kernel pick the interface from the gateway.  add fails with EEXIST if the same route
// (destination, metric) exists; del fails with ESRCH if none matches.
void add_route(Ipv4 dst, int prefix_len, std::optional<Ipv4> gateway, int ifindex, std::optional<int> metric);
void del_route(Ipv4 dst, int prefix_len, std::optional<Ipv4> gateway, int ifindex, std::optional<int> metric);

// --- queries --------------------------------------------------------------------------
struct LinkInfo {
    int ifindex = 0;
    std::string name;
    unsigned flags = 0;  // IFF_UP, IFF_RUNNING, IFF_POINTOPOINT, ... (net/if.h)
    int mtu = 0;
    int txqlen = 0;
};
// nullopt if no interface has that index (ENODEV).
std::optional<LinkInfo> get_link(int ifindex);

struct AddressInfo {
    int ifindex = 0;
    Ipv4 local{};    // IFA_LOCAL (falls back to IFA_ADDRESS when absent)
    Ipv4 address{};  // IFA_ADDRESS: the peer on point-to-point links, else == local
    int prefix_len = 0;
    std::optional<Ipv4> broadcast;
};
// IPv4 addresses on `ifindex`, or on every interface when ifindex is 0.
std::vector<AddressInfo> list_addresses(int ifindex = 0);

struct RouteInfo {
    Ipv4 dst{};
    int prefix_len = 0;
    std::optional<Ipv4> gateway;
    int ifindex = 0;                // RTA_OIF, 0 if absent (multipath / blackhole)
    std::optional<int> metric;      // RTA_PRIORITY
    std::optional<Ipv4> prefsrc;    // RTA_PREFSRC
    int table = 0;
    int protocol = 0;               // RTPROT_KERNEL, RTPROT_BOOT, ...
    int scope = 0;
    int type = 0;                   // RTN_UNICAST, RTN_LOCAL, ...
};
// IPv4 routes of routing table `table` (254 = main, 255 = local, 0 = all tables).
std::vector<RouteInfo> list_routes(int table = 254);
// The route the kernel would use now to reach `dst` (RTM_GETROUTE), e.g. to pin the VPN
// server's address to the old gateway before redirect-gateway; nullopt if unreachable.
std::optional<RouteInfo> route_to(Ipv4 dst);

// "tun0" for messages; "ifindex 7" if the index has no name (anymore).
std::string interface_label(int ifindex);

}  // namespace vpn::tun
