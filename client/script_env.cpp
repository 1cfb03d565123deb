#include "client/script_env.hpp"

#include <fmt/format.h>

namespace vpn::client {

std::vector<std::pair<std::string, std::string>> script_environment(const PulledOptions& p, const RoutePlan& plan) {
    std::vector<std::pair<std::string, std::string>> env;
    auto addr = [&](std::string name, tun::Ipv4 a) { env.emplace_back(std::move(name), tun::format_ipv4(a)); };

    if (p.ifconfig) {
        addr("ifconfig_local", p.ifconfig->local);
        addr(plan.point_to_point ? "ifconfig_remote" : "ifconfig_netmask", p.ifconfig->remote_or_netmask);
    }
    if (plan.vpn_gateway) addr("route_vpn_gateway", *plan.vpn_gateway);
    if (plan.net_gateway) addr("route_net_gateway", *plan.net_gateway);
    for (std::size_t i = 0; i < plan.routes.size(); ++i) {
        const ResolvedRoute& r = plan.routes[i];
        addr(fmt::format("route_network_{}", i + 1), r.network);
        addr(fmt::format("route_netmask_{}", i + 1), r.netmask);
        addr(fmt::format("route_gateway_{}", i + 1), r.gateway);
        if (r.metric) env.emplace_back(fmt::format("route_metric_{}", i + 1), std::to_string(*r.metric));
    }
    // options.c setenv_foreign_option joins the option's words with single spaces.
    for (std::size_t i = 0; i < p.dhcp_options.size(); ++i) {
        const DhcpOption& d = p.dhcp_options[i];
        std::string v = "dhcp-option " + d.type;
        if (!d.value.empty()) v += " " + d.value;
        env.emplace_back(fmt::format("foreign_option_{}", i + 1), std::move(v));
    }
    for (const auto& kv : p.setenv) env.push_back(kv);
    return env;
}

}  // namespace vpn::client
