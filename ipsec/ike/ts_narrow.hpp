#pragma once
// Traffic selector arithmetic (RFC 7296 §2.9): the responder narrows what the
// initiator proposed to what its policy allows; the initiator checks that the
// answer stays inside its proposal.
#include <cstdint>
#include <optional>
#include <vector>

#include "ipsec/ike/ike_endpoint.hpp"
#include "ipsec/ike/ts_payload.hpp"

namespace vpn::ike {

// The part of `a` inside `b` (same type; protocol 0 = any; port and address
// ranges intersected), or nullopt if they do not overlap.
std::optional<TrafficSelector> intersect(const TrafficSelector& a, const TrafficSelector& b);

// Every non-empty intersection of a proposed selector with an allowed one, in the
// proposer's order, without duplicates.  Empty: TS_UNACCEPTABLE.
std::vector<TrafficSelector> narrow(const std::vector<TrafficSelector>& proposed,
                                    const std::vector<TrafficSelector>& allowed);

// Is every selector of `inner` inside some selector of `outer`?
bool covered(const std::vector<TrafficSelector>& inner, const std::vector<TrafficSelector>& outer);

TrafficSelector ts_any_v4();                                     // 0.0.0.0-255.255.255.255, any proto/port
TrafficSelector ts_host(const IpAddress& a);                     // a/32 or a/128
TrafficSelector ts_subnet(const IpAddress& a, unsigned prefix);  // the network a/prefix

}  // namespace vpn::ike
