#include "client/route_plan.hpp"

#include <fmt/format.h>

namespace vpn::client {
namespace {

using Kind = RouteAction::Kind;

RouteAction route_action(Kind kind, tun::Ipv4 dst, int prefix, std::optional<tun::Ipv4> gw, std::optional<int> metric) {
    RouteAction a;
    a.kind = kind;
    a.dst = dst;
    a.prefix_len = prefix;
    a.gateway = gw;
    a.metric = metric;
    return a;
}

RouteAction undo(const RouteAction& a) {
    RouteAction u = a;
    switch (a.kind) {
        case Kind::AddAddressP2p: u.kind = Kind::DelAddressP2p; break;
        case Kind::AddAddress: u.kind = Kind::DelAddress; break;
        case Kind::AddRoute: u.kind = Kind::DelRoute; break;
        default: break;
    }
    return u;
}

// init.c do_init_route_list: with a point-to-point tun the peer is the gateway, and a
// pushed route-gateway overrides it.
std::optional<tun::Ipv4> vpn_gateway_of(const PulledOptions& p, const LocalRoutes& l) {
    if (p.route_gateway) {
        switch (p.route_gateway->kind) {
            case AddrRef::Kind::Address: return p.route_gateway->addr;
            case AddrRef::Kind::NetGateway: return l.net_gateway;
            case AddrRef::Kind::RemoteHost: return l.server;
            case AddrRef::Kind::VpnGateway: return std::nullopt;  // defined by itself: undefined
        }
    }
    const bool p2p = !l.tap && p.effective_topology != Topology::Subnet;
    if (p2p && p.ifconfig) return p.ifconfig->remote_or_netmask;
    return std::nullopt;
}

std::optional<tun::Ipv4> resolve(const AddrRef& a, const RoutePlan& plan, const LocalRoutes& l) {
    switch (a.kind) {
        case AddrRef::Kind::Address: return a.addr;
        case AddrRef::Kind::VpnGateway: return plan.vpn_gateway;
        case AddrRef::Kind::NetGateway: return plan.net_gateway;
        case AddrRef::Kind::RemoteHost: return l.server;
    }
    return std::nullopt;
}

void add_route(RoutePlan& plan, const RouteSpec& r, const PulledOptions& p, const LocalRoutes& l) {
    auto net = resolve(r.network, plan, l);
    auto gw = r.gateway ? resolve(*r.gateway, plan, l) : plan.vpn_gateway;
    if (!net || !gw) {
        plan.warnings.push_back(fmt::format("ROUTE: failed to parse/resolve route for host/network: {}{}",
                                            format_addr_ref(r.network),
                                            gw ? "" : (r.gateway ? " (gateway undefined)"
                                                                 : " (no --route-gateway or --ifconfig peer)")));
        return;
    }
    const int prefix = tun::netmask_to_prefix(r.netmask);
    if ((net->host() & ~r.netmask.host()) != 0) {  // a special word resolved to a host address
        plan.warnings.push_back(fmt::format("ROUTE: {}/{} has host bits set; route skipped", tun::format_ipv4(*net), prefix));
        return;
    }
    const std::optional<int> metric = r.metric ? r.metric : p.route_metric;
    plan.routes.push_back({*net, r.netmask, *gw, metric});
    plan.setup.push_back(route_action(Kind::AddRoute, *net, prefix, *gw, metric));
}

// route.c redirect_default_route_to_vpn.
void add_redirect(RoutePlan& plan, const PulledOptions& p, const LocalRoutes& l) {
    const RedirectGateway& rg = p.redirect;
    if (!rg.enabled || !rg.reroute_ipv4) return;
    const char* err = "NOTE: unable to redirect IPv4 default gateway --";
    bool local = rg.local;
    if (rg.autolocal && l.server) local = l.server_on_link;
    if (!plan.vpn_gateway) {
        plan.warnings.push_back(fmt::format("{} VPN gateway parameter (--route-gateway or --ifconfig) is missing", err));
        return;
    }
    if (!plan.net_gateway && !local && l.server) {
        plan.warnings.push_back(fmt::format("{} Cannot read current default gateway from system", err));
        return;
    }
    if (!local && l.server)
        plan.setup.push_back(route_action(Kind::AddRoute, *l.server, 32, plan.net_gateway, std::nullopt));
    if (!rg.def1)
        plan.warnings.push_back("redirect-gateway without def1: using 0.0.0.0/1 + 128.0.0.0/1 instead of "
                                "replacing the default route");
    plan.setup.push_back(route_action(Kind::AddRoute, tun::Ipv4::from_host(0), 1, plan.vpn_gateway, std::nullopt));
    plan.setup.push_back(route_action(Kind::AddRoute, tun::Ipv4::from_host(0x80000000u), 1, plan.vpn_gateway, std::nullopt));
}

}  // namespace

std::optional<RouteSpec> route_spec_from_config(const config::Route& r, std::string& error) {
    std::vector<std::string> words{r.network, r.netmask};
    if (r.gateway || r.metric) words.push_back(r.gateway.value_or("vpn_gateway"));
    if (r.metric) words.push_back(std::to_string(*r.metric));
    auto spec = parse_route_spec(words, error);
    if (!spec && !parse_addr_ref(r.network))
        error = fmt::format("route {}: host names must be resolved before planning routes", r.network);
    return spec;
}

std::string RouteAction::describe() const {
    switch (kind) {
        case Kind::SetMtu: return fmt::format("mtu {}", mtu);
        case Kind::LinkUp: return "link up";
        case Kind::AddAddressP2p:
        case Kind::DelAddressP2p:
            return fmt::format("address {} {} peer {}", kind == Kind::AddAddressP2p ? "add" : "del",
                               tun::format_ipv4(local), tun::format_ipv4(peer));
        case Kind::AddAddress:
        case Kind::DelAddress:
            return fmt::format("address {} {}/{}", kind == Kind::AddAddress ? "add" : "del", tun::format_ipv4(local),
                               prefix_len);
        case Kind::AddRoute:
        case Kind::DelRoute: {
            std::string s = fmt::format("route {} {}/{}", kind == Kind::AddRoute ? "add" : "del", tun::format_ipv4(dst),
                                        prefix_len);
            if (gateway) s += " via " + tun::format_ipv4(*gateway);
            if (metric) s += fmt::format(" metric {}", *metric);
            return s;
        }
    }
    return "?";
}

RoutePlan plan_routes(const PulledOptions& p, const LocalRoutes& l) {
    RoutePlan plan;
    plan.net_gateway = l.net_gateway;
    plan.vpn_gateway = vpn_gateway_of(p, l);
    plan.mtu = p.tun_mtu.value_or(l.config_tun_mtu);
    plan.point_to_point = !l.tap && p.effective_topology != Topology::Subnet;

    RouteAction mtu;
    mtu.kind = Kind::SetMtu;
    mtu.mtu = plan.mtu;
    plan.setup.push_back(mtu);
    RouteAction up;
    up.kind = Kind::LinkUp;
    plan.setup.push_back(up);

    if (p.ifconfig) {
        RouteAction a;
        a.local = p.ifconfig->local;
        if (plan.point_to_point) {
            a.kind = Kind::AddAddressP2p;
            a.peer = p.ifconfig->remote_or_netmask;
        } else {
            const int prefix = tun::netmask_to_prefix(p.ifconfig->remote_or_netmask);
            if (prefix < 1) {  // only reachable for tap: subnet masks were checked when pulled
                plan.warnings.push_back(fmt::format("ifconfig netmask {} is not a netmask; no address set",
                                                    tun::format_ipv4(p.ifconfig->remote_or_netmask)));
            } else {
                a.kind = Kind::AddAddress;
                a.prefix_len = prefix;
            }
        }
        if (a.kind != Kind::AddRoute) plan.setup.push_back(a);
    }

    plan.first_route = plan.setup.size();
    add_redirect(plan, p, l);
    for (const RouteSpec& r : l.config_routes) add_route(plan, r, p, l);
    for (const RouteSpec& r : p.routes) add_route(plan, r, p, l);

    for (auto it = plan.setup.rbegin(); it != plan.setup.rend(); ++it)
        if (it->kind != Kind::SetMtu && it->kind != Kind::LinkUp) plan.teardown.push_back(undo(*it));
    return plan;
}

}  // namespace vpn::client
