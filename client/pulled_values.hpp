#pragma once
// Value checks shared by the pulled-option handlers: strict numbers and the ifconfig
// rules per topology.  Each failure is one line naming the value and the reason.
#include <optional>
#include <string>
#include <string_view>

#include "client/pulled_options.hpp"

namespace vpn::client {

// Decimal digits only (no sign, no spaces, at most 10 digits), within [min, max].
std::optional<long long> parse_bounded(std::string_view text, long long min, long long max);

// An address a host may own: not 0.0.0.0, not 127/8, not multicast, reserved or broadcast.
// nullptr if fine, else why not ("is a loopback address").
const char* unicast_problem(tun::Ipv4 a);

// Empty if `ifc` is usable with topology `t`, else one line:
//   net30/p2p: both addresses unicast and different; the second must not look like a
//              netmask (tun.c ifconfig_sanity_check: top byte 255);
//   subnet:    the second is a contiguous netmask /1../32 and the local address is
//              neither the network nor the broadcast address of a /30 or larger subnet.
std::string ifconfig_problem(const Ifconfig& ifc, Topology t);

}  // namespace vpn::client
