#pragma once
// The log lines a client prints once a push is applied, in OpenVPN 2.6's words where
// 2.6 has them (push.c do_up / init.c do_deferred_options: "OPTIONS IMPORT: ...",
// "Timers: ...", observed with 2.6.14), plus one line per dhcp-option so that pushed
// DNS servers show in the log even without an up script.
#include <string>
#include <vector>

#include "client/pulled_options.hpp"

namespace vpn::client {

// In order: "OPTIONS IMPORT: --ifconfig/up options modified" (ifconfig/topology),
// "... route options modified" (route, redirect-gateway), "... route-related options
// modified" (route-gateway, route-metric, route-delay), "... --ip-win32 and/or
// --dhcp-option options modified", "... environment modified" (setenv-safe),
// "... tun-mtu set to N", then "Pushed dhcp-option TYPE VALUE" per option and
// "Timers: ping N, ping-restart M" when either was pushed.  Never the auth-token.
std::vector<std::string> import_log_lines(const PulledOptions& p);

}  // namespace vpn::client
