#pragma once
// What a pull client takes from the server's PUSH_REPLY (openvpn-wire.md §8.2), typed and
// validated, before anything touches the system.  Sans-IO: no resolver, no netlink.
//
//   PUSH_REPLY text --ovpn::parse_push_reply--> option words (all messages of a set)
//     --parse_pulled_options--> PulledOptions (+ warnings, or one hard error)
//     --plan_routes (route_plan.hpp)--> ordered address/route actions
//
// Which options a server may push follows OpenVPN 2.6's permission masks (options.c
// VERIFY_PERMISSION, init.c pull_permission_mask): see pushed_option_rules.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/config/options.hpp"
#include "common/openvpn/protocol_flags.hpp"
#include "tun/ipv4.hpp"

namespace vpn::client {

// topology net30|p2p|subnet (options.c parse_topology); 2.6's default is net30.
enum class Topology { Net30, P2p, Subnet };
const char* topology_name(Topology t);

// An address operand of route / route-gateway: a dotted quad or one of route.c's
// special words (get_special_addr), resolved only when the plan is made.
struct AddrRef {
    enum class Kind { Address, VpnGateway, NetGateway, RemoteHost };
    Kind kind = Kind::Address;
    tun::Ipv4 addr{};  // Kind::Address only
    friend bool operator==(const AddrRef&, const AddrRef&) = default;
};
// "10.0.0.1", "vpn_gateway", "net_gateway", "remote_host"; nullopt for anything else
// (host names included: pushed names would need a resolver, 2.6 needs allow-pull-fqdn).
std::optional<AddrRef> parse_addr_ref(const std::string& text);
std::string format_addr_ref(const AddrRef& a);

// route NETWORK [NETMASK [GATEWAY [METRIC]]]; NETMASK defaults to 255.255.255.255,
// GATEWAY to vpn_gateway; "default" as NETMASK/GATEWAY/METRIC means "not given"
// (route.c is_route_parm_defined).
struct RouteSpec {
    AddrRef network;
    tun::Ipv4 netmask = tun::Ipv4::from_host(0xffffffffu);
    std::optional<AddrRef> gateway;
    std::optional<int> metric;
};

// Parse a route's words after the directive name ({"10.1.0.0", "255.255.0.0"}).
// On failure returns nullopt and sets `error` to one line in 2.6's words.
std::optional<RouteSpec> parse_route_spec(const std::vector<std::string>& args, std::string& error);

// redirect-gateway FLAGS... (options.c; route.c redirect_default_route_to_vpn).
struct RedirectGateway {
    bool enabled = false;      // RG_ENABLE: the option was pushed (and not "!ipv4")
    bool reroute_ipv4 = false; // RG_REROUTE_GW
    bool def1 = false;
    bool local = false;
    bool autolocal = false;
    bool bypass_dhcp = false;
    bool bypass_dns = false;
    bool block_local = false;
    bool ipv6 = false;
};

struct DhcpOption {
    std::string type;   // "DNS", "DNS6", "DOMAIN", ... as pushed
    std::string value;  // may be empty: 2.6 accepts "dhcp-option TYPE" alone
};

// The framing a pushed comp-lzo/compress asks for (openvpn-wire.md §4).
enum class PushedCompression { LzoStub /*comp-lzo no*/, Lzo, StubSwap /*compress [stub]*/, StubV2 };

struct Ifconfig {
    tun::Ipv4 local{};
    tun::Ipv4 remote_or_netmask{};  // peer address (net30/p2p) or netmask (subnet)
};

struct PulledOptions {
    std::optional<Topology> topology;     // as pushed
    Topology effective_topology = Topology::Net30;  // pushed, else the policy's default
    std::optional<Ifconfig> ifconfig;     // validated against effective_topology (subnet rules for tap)
    std::optional<std::string> ifconfig_ipv6;  // stored as pushed, not applied yet
    std::vector<RouteSpec> routes;        // pushed order
    std::optional<AddrRef> route_gateway;
    bool route_gateway_dhcp = false;      // "route-gateway dhcp" (Windows only in 2.6)
    std::optional<int> route_metric;      // default metric for routes without one
    std::optional<int> route_delay;       // seconds
    RedirectGateway redirect;
    std::vector<DhcpOption> dhcp_options; // pushed order
    std::optional<std::uint32_t> peer_id;
    std::optional<std::string> cipher;    // checked against data-ciphers by the caller
    std::optional<int> ping, ping_restart, ping_exit, inactive;
    std::optional<int> tun_mtu;
    std::optional<PushedCompression> compression;
    std::optional<int> explicit_exit_notify;
    ovpn::ProtocolChoice protocol;        // from key-derivation / protocol-flags
    bool protocol_set = false;
    bool block_ipv6 = false;
    std::vector<std::string> echo;        // "echo" texts, words joined by ' '
    std::vector<std::pair<std::string, std::string>> setenv;  // setenv-safe, name already "OPENVPN_x"
    std::optional<std::string> auth_token;  // never logged
};

// What the client's own configuration permits.
struct PullPolicy {
    bool route_nopull = false;  // route-nopull: route*/dhcp-option leave the mask (init.c)
    // Real compression may be pushed: allow-compression asym|yes, or a compression
    // option in the config without allow-compression (§4).  Otherwise stubs only.
    bool compression_allowed = false;
    unsigned implemented_iv_proto = 0;  // protocol-flags we can honour (ovpn::iv_proto bits)
    Topology default_topology = Topology::Net30;  // the config's `topology`
    bool tap = false;  // dev tap: ifconfig's 2nd word is a netmask whatever the topology
};
// compression_allowed from the config per §4, tap from the device type and
// default_topology from the config's `topology` (net30 when unset); the other fields
// keep their defaults.
PullPolicy pull_policy(const config::Options& o);

struct PullResult {
    bool ok = false;
    std::string error;  // when !ok: one line; the connection must not go on
    PulledOptions options;
};

// Applies the options of one complete push (all messages of a push-continuation set,
// in order, each split into words by ovpn::parse_push_reply).  Later values win, as
// in 2.6; routes, dhcp-options, echo and setenv accumulate.
// Refused options, unsupported values and ignored settings each add one line to
// `warnings` and are not applied (2.6 logs these and goes on).  Hard failures, which
// 2.6 also treats as "Failed to apply push options": a missing/invalid ifconfig value
// or one that does not fit the topology, compression the policy does not allow, a
// peer-id that is not a number in 0..16777214.
PullResult parse_pulled_options(const std::vector<std::vector<std::string>>& options, const PullPolicy& policy,
                                std::vector<std::string>& warnings);

}  // namespace vpn::client
