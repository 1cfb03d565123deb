#pragma once
// The environment OpenVPN 2.6 gives the `up` script for what was pulled (tun.c
// do_ifconfig_setenv, route.c setenv_routes / init_route_list, options.c
// setenv_foreign_option and setenv-safe).  Names and formats checked against a stock
// 2.6.14 client's up script (see tests/unit/test_route_plan.cpp).
#include <string>
#include <utility>
#include <vector>

#include "client/pulled_options.hpp"
#include "client/route_plan.hpp"

namespace vpn::client {

// In this order:
//   ifconfig_local, then ifconfig_remote (point-to-point) or ifconfig_netmask
//   route_vpn_gateway, route_net_gateway            (when defined)
//   route_network_N, route_netmask_N, route_gateway_N[, route_metric_N]  N = 1.. over plan.routes
//   foreign_option_N = "dhcp-option TYPE VALUE"     N = 1.. over dhcp-options, pushed order
//   OPENVPN_<name> = value                          setenv-safe
// dev, tun_mtu, script_type, trusted_ip/trusted_port, common_name... are the caller's.
std::vector<std::pair<std::string, std::string>> script_environment(const PulledOptions& pulled, const RoutePlan& plan);

}  // namespace vpn::client
