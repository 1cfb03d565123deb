#pragma once
// Which option names a server may push, after OpenVPN 2.6: every directive checks its
// permission class (options.c VERIFY_PERMISSION(OPT_P_*)) against the pull mask
// (init.c pull_permission_mask: UP, ROUTE_EXTRAS, SOCKBUF, SOCKFLAGS, SETENV, SHAPER,
// TIMER, COMP, PERSIST, MESSAGES, EXPLICIT_NOTIFY, ECHO, PULL_MODE, PEER_ID, NCP,
// PUSH_MTU, plus ROUTE and DHCPDNS unless route-nopull).  A refused option is logged
// and skipped; the rest of the push still applies.
#include <cstddef>
#include <string>
#include <string_view>

namespace vpn::client {

enum class PushClass {
    Unknown,      // no such option in 2.6 on Linux (typo, Windows-only, newer version)
    NotPushable,  // 2.6 knows it, but its class is outside the pull mask (up, secret, auth...)
    RouteOrDns,   // OPT_P_ROUTE / OPT_P_DHCPDNS: refused when the client has route-nopull
    Pushable,     // inside the pull mask
};

PushClass classify_pushed_option(std::string_view name);

// 2.6's wording, minus its version suffix:
//   "Options error: Unrecognized option or missing or extra parameter(s) in [PUSH-OPTIONS]:7: bogus-option"
// `index` is the option's 1-based position in the push, as 2.6 counts lines.
std::string unrecognized_option_message(std::string_view name, std::size_t index);
//   "Options error: option 'script-security' cannot be used in this context ([PUSH-OPTIONS])"
std::string forbidden_option_message(std::string_view name);

}  // namespace vpn::client
