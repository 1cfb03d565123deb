#include "client/import_log.hpp"

#include <fmt/format.h>

namespace vpn::client {

std::vector<std::string> import_log_lines(const PulledOptions& p) {
    std::vector<std::string> out;
    const std::string tag = "OPTIONS IMPORT: ";
    if (p.ifconfig || p.topology) out.push_back(tag + "--ifconfig/up options modified");
    if (!p.routes.empty() || p.redirect.enabled) out.push_back(tag + "route options modified");
    if (p.route_gateway || p.route_metric || p.route_delay) out.push_back(tag + "route-related options modified");
    if (!p.dhcp_options.empty()) out.push_back(tag + "--ip-win32 and/or --dhcp-option options modified");
    if (!p.setenv.empty()) out.push_back(tag + "environment modified");
    if (p.tun_mtu) out.push_back(fmt::format("{}tun-mtu set to {}", tag, *p.tun_mtu));
    for (const DhcpOption& d : p.dhcp_options)
        out.push_back(d.value.empty() ? "Pushed dhcp-option " + d.type : "Pushed dhcp-option " + d.type + " " + d.value);
    if (p.ping || p.ping_restart) {
        std::string t = "Timers:";
        if (p.ping) t += fmt::format(" ping {}", *p.ping);
        if (p.ping && p.ping_restart) t += ",";
        if (p.ping_restart) t += fmt::format(" ping-restart {}", *p.ping_restart);
        out.push_back(t);
    }
    return out;
}

}  // namespace vpn::client
