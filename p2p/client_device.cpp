#include "p2p/client_device.hpp"

#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "client/script_env.hpp"
#include "common/log/log.hpp"
#include "p2p/device_script.hpp"
#include "p2p/device_setup.hpp"
#include "tun/rtnetlink.hpp"

namespace vpn::p2p {
namespace {

// The settings that shape the device and its routes, in one string: equal strings
// mean a reconnect can keep the device as it is.
std::string settings_key(const client::RoutePlan& plan) {
    std::string k = fmt::format("mtu {};", plan.mtu);
    for (const auto& a : plan.setup) k += a.describe() + ";";
    return k;
}

// route.c get_default_gateway: the main table's default route with the lowest
// metric, whatever the path to the server is.  (RTM_GETROUTE for 0.0.0.0 would
// answer with the local route: 0.0.0.0 is "this host".)
std::optional<tun::RouteInfo> default_route() {
    std::optional<tun::RouteInfo> best;
    for (auto& r : tun::list_routes(254))
        if (r.prefix_len == 0 && r.type == RTN_UNICAST && (!best || r.metric.value_or(0) < best->metric.value_or(0)))
            best = r;
    return best;
}

}  // namespace

ClientDevice::~ClientDevice() {
    try {
        close();
    } catch (const std::exception& e) {
        log::error("{}", e.what());
    }
}

// The server's IPv4 address, also when a dual-stack socket holds it v4-mapped.
std::optional<tun::Ipv4> ClientDevice::server_ipv4() const {
    if (!plan_.remote) return std::nullopt;
    if (plan_.remote->family() == AF_INET)
        return tun::Ipv4{reinterpret_cast<const sockaddr_in*>(&plan_.remote->storage)->sin_addr.s_addr};
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&plan_.remote->storage);
    if (plan_.remote->family() != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) return std::nullopt;
    std::uint32_t be = 0;
    std::memcpy(&be, in6->sin6_addr.s6_addr + 12, 4);
    return tun::Ipv4{be};
}

client::LocalRoutes ClientDevice::local_routes() const {
    client::LocalRoutes l;
    for (const auto& r : o_.routes) {
        std::string err;
        if (auto spec = client::route_spec_from_config(r, err))
            l.config_routes.push_back(*spec);
        else
            log::warn("WARNING: {}", err);
    }
    if (auto server = server_ipv4()) {
        l.server = server;
        if (auto r = tun::route_to(*server)) l.server_on_link = !r->gateway;
    }
    if (auto d = default_route()) l.net_gateway = d->gateway;
    l.tap = o_.device_type() == config::DevType::Tap;
    l.config_tun_mtu = o_.tun_mtu;
    return l;
}

void ClientDevice::run(const client::RouteAction& a) {
    using K = client::RouteAction::Kind;
    const int ifindex = dev_->ifindex();
    // A route via the original gateway (the pinned route to the server) leaves by
    // the interface that reaches the server, not by the tunnel.
    const bool outside = a.gateway && route_plan_.net_gateway && *a.gateway == *route_plan_.net_gateway &&
                         (a.kind == K::AddRoute || a.kind == K::DelRoute) && server_ifindex_ > 0;
    switch (a.kind) {
        case K::SetMtu: tun::set_mtu(ifindex, a.mtu); break;
        case K::LinkUp: tun::set_link_up(ifindex, true); break;
        case K::AddAddressP2p: tun::add_address_p2p(ifindex, a.local, a.peer); break;
        case K::DelAddressP2p: tun::del_address_p2p(ifindex, a.local, a.peer); break;
        case K::AddAddress: tun::add_address(ifindex, a.local, a.prefix_len); break;
        case K::DelAddress: tun::del_address(ifindex, a.local, a.prefix_len); break;
        case K::AddRoute:
        case K::DelRoute:
            // route.c: a route the kernel refuses is an error in the log, not the end
            // of the connection (a pushed route may duplicate one the address made).
            try {
                if (a.kind == K::AddRoute)
                    tun::add_route(a.dst, a.prefix_len, a.gateway, outside ? server_ifindex_ : ifindex, a.metric);
                else
                    tun::del_route(a.dst, a.prefix_len, a.gateway, outside ? server_ifindex_ : ifindex, a.metric);
            } catch (const std::exception& e) {
                log::error("ERROR: {} failed: {}", a.describe(), e.what());
                return;
            }
            break;
    }
    log::info("{}", a.describe());
}

ClientDevice::Result ClientDevice::apply(const client::PulledOptions& pulled) {
    client::LocalRoutes local = local_routes();
    client::RoutePlan plan = client::plan_routes(pulled, local);
    std::string key = settings_key(plan);
    if (dev_ && key == applied_) {
        log::info("Preserving previous TUN/TAP instance: {}", dev_->name());
        return Result::Unchanged;
    }
    close();
    for (const auto& w : plan.warnings) log::warn("{}", w);
    server_ifindex_ = 0;
    // The pinned host route to the server leaves by the default route's interface.
    if (auto d = default_route()) server_ifindex_ = d->ifindex;

    dev_.emplace(open_device(o_));
    route_plan_ = std::move(plan);
    pulled_ = pulled;
    applied_ = std::move(key);
    for (std::size_t i = 0; i < route_plan_.setup.size(); ++i) {
        if (i == route_plan_.first_route && o_.up) run_script(o_, *o_.up, "up", dev_->name(), script_addresses());
        run(route_plan_.setup[i]);
    }
    if (route_plan_.first_route >= route_plan_.setup.size() && o_.up)
        run_script(o_, *o_.up, "up", dev_->name(), script_addresses());
    for (const auto& d : pulled.dhcp_options) log::info("dhcp-option {} {}", d.type, d.value);
    return Result::Opened;
}

// The pushed ifconfig and what 2.6 exports to scripts for it.
ScriptAddresses ClientDevice::script_addresses() const {
    ScriptAddresses addr;
    if (pulled_.ifconfig) {
        addr.local = tun::format_ipv4(pulled_.ifconfig->local);
        addr.remote_or_netmask = tun::format_ipv4(pulled_.ifconfig->remote_or_netmask);
    }
    addr.env = client::script_environment(pulled_, route_plan_);
    return addr;
}

void ClientDevice::close() {
    if (!dev_) return;
    for (const auto& a : route_plan_.teardown) {
        try {
            run(a);
        } catch (const std::exception& e) {
            log::verbose("{}: {}", a.describe(), e.what());  // gone with the device anyway
        }
    }
    std::string name = dev_->name();
    dev_.reset();  // closing the fd removes the device and what hangs on it
    applied_.clear();
    device_closed(o_, name, script_addresses());
}

}  // namespace vpn::p2p
