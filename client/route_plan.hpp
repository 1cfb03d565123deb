#pragma once
// From pulled options to the ordered list of device/route changes a client makes, and
// the list that undoes them.  Plain data in, plain data out: the runtime fills
// LocalRoutes (e.g. from tun::route_to(server)) and applies the actions with
// tun/rtnetlink.hpp.  Order follows OpenVPN 2.6 (observed with 2.6.14):
//
//   mtu, link up, address            (tun.c do_ifconfig)
//   [up script: the caller, with script_environment()]
//   host route to the server via the original gateway   (redirect-gateway, not `local`)
//   0.0.0.0/1 and 128.0.0.0/1 via vpn_gateway          (redirect-gateway def1)
//   routes: the config's, then the pushed ones, in order (route.c add_routes)
//
// Teardown is the exact reverse, routes before the address.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "client/pulled_options.hpp"
#include "common/config/options.hpp"
#include "tun/ipv4.hpp"

namespace vpn::client {

// What the planner needs to know about this host, gathered by the caller.
struct LocalRoutes {
    std::vector<RouteSpec> config_routes;   // our own `route` lines (route_spec_from_config)
    std::optional<tun::Ipv4> server;        // the server's IPv4 address (remote_host); unset for IPv6
    std::optional<tun::Ipv4> net_gateway;   // the default gateway now (before we change anything)
    bool server_on_link = false;            // the route to the server has no gateway (autolocal)
    bool tap = false;                       // dev tap: ifconfig's 2nd word is always a netmask
    int config_tun_mtu = 1500;              // used unless tun-mtu was pushed
};

// A config `route` as a RouteSpec.  Host names must have been resolved to dotted quads
// by the caller (the planner does no DNS); nullopt with one line in `error` otherwise.
std::optional<RouteSpec> route_spec_from_config(const config::Route& r, std::string& error);

struct RouteAction {
    enum class Kind { SetMtu, LinkUp, AddAddressP2p, DelAddressP2p, AddAddress, DelAddress, AddRoute, DelRoute };
    Kind kind = Kind::AddRoute;
    int mtu = 0;                          // SetMtu
    tun::Ipv4 local{}, peer{};            // *AddressP2p: local + peer; *Address: local
    int prefix_len = 32;                  // *Address: subnet prefix; *Route: destination prefix
    tun::Ipv4 dst{};                      // *Route
    std::optional<tun::Ipv4> gateway;     // *Route
    std::optional<int> metric;            // *Route
    // One line for logs and tests: "mtu 1500", "link up", "address add 10.8.0.6 peer 10.8.0.5",
    // "address add 10.8.0.2/24", "route add 0.0.0.0/1 via 10.8.0.1 metric 7", "route del ...".
    std::string describe() const;
};

// A route as 2.6 exports it to scripts (route_network_N, ...): resolved, in env order.
struct ResolvedRoute {
    tun::Ipv4 network{}, netmask{}, gateway{};
    std::optional<int> metric;  // explicit or route-metric
};

struct RoutePlan {
    std::optional<tun::Ipv4> vpn_gateway;  // route-gateway, else the ifconfig peer (net30/p2p)
    std::optional<tun::Ipv4> net_gateway;
    int mtu = 1500;
    bool point_to_point = false;           // tun net30/p2p: ifconfig's 2nd word is the peer
    std::vector<ResolvedRoute> routes;     // config then pushed routes that resolved
    std::vector<RouteAction> setup;        // apply in order
    // setup[first_route..] are the routes: the up script runs (and route-delay waits)
    // just before them, after the device has its address.
    std::size_t first_route = 0;
    std::vector<RouteAction> teardown;     // apply in order to undo `setup`
    std::vector<std::string> warnings;     // routes skipped, redirect not possible... one line each
};

// Never fails: what cannot be resolved is left out with a warning, as route.c does
// ("failed to parse/resolve route", "unable to redirect IPv4 default gateway").
// redirect-gateway without def1 is planned like def1 (two /1 routes win over the
// default route without deleting it) and says so in a warning.
RoutePlan plan_routes(const PulledOptions& pulled, const LocalRoutes& local);

}  // namespace vpn::client
