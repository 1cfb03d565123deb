#pragma once
// Who a point-to-point setkey tunnel talks to: the outer endpoints of its SAs.
// The p2p runtime has one socket and one peer, so every SA that a policy puts to
// use must run between the same two addresses (and, for esp-udp, ports) and all
// of them must be esp or all esp-udp.  A config naming two peers is refused here,
// at the add statement that brings in the second one.
#include <cstddef>
#include <string>
#include <vector>

#include "ipsec/manual/setkey.hpp"

namespace vpn::ipsec::manual {

struct SetkeyPeer {
    Endpoint local, peer;  // ports only with esp-udp
    bool udp_encap = false;
    std::size_t outbound = 0, inbound = 0;  // SAs in each direction (unused ones not counted)
};

// Throws config::ConfigError "FILE:LINE: setkey: ..." (one line) when no SA is put
// to use by an in/out policy, or when an SA names another peer, another local
// address, other esp-udp ports, or the other encapsulation than the first used SA.
SetkeyPeer setkey_peer(const SetkeyDb& db);

// What in a valid config is probably not what the user meant, one "FILE:LINE:
// setkey: ..." line each: an SA no in/out policy uses (it is not installed), and
// the FreeBSD handbook's gif pattern -- an ipencap policy selecting the gateways'
// own addresses, which a TUN never carries (write the subnets instead).
std::vector<std::string> setkey_warnings(const SetkeyDb& db);

// "192.0.2.1" or "192.0.2.1[4500]".
std::string endpoint_text(const Endpoint& e);

}  // namespace vpn::ipsec::manual
