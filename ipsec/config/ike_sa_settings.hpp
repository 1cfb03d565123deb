#pragma once
// From a checked `technique ipsec` plan with IKE keying to what one IkeSa runs
// with: proposals, credentials (the PSK file parsed; or our certificate and key and
// the CA + CRL trust store, loaded as the TLS mode loads them), identities, traffic
// selectors (p2p: our ifconfig address <-> the peer's and its `route`s), virtual-IP
// mode, lifetimes, DPD and NAT-T.  Loading happens once at startup; the result is
// the template every IkeSa of the process copies.
#include <optional>

#include "common/config/options.hpp"
#include "ipsec/config/ipsec_plan.hpp"
#include "ipsec/ike/ike_sa_config.hpp"

namespace vpn::ipsec {

// Throws std::runtime_error naming the config line or file at fault (a PSK file
// that does not parse, an unreadable certificate, a key that does not match).
// With PSK and no `ike-id`, local_id is left empty: our identity is then our
// address, known once the peer's is (see address_identity_towards()).
ike::IkeSaConfig ike_sa_config(const IpsecPlan& plan, const config::Options& o, ike::IkeRole role);

// True when ike_sa_config() left local_id for the runtime to fill in.
bool needs_address_identity(const IpsecPlan& plan);

// An IPv4 range selector for network/netmask (dotted quads); nullopt if either
// does not parse or the mask is not contiguous.
std::optional<ike::TrafficSelector> ipv4_selector(const std::string& network, const std::string& netmask);

}  // namespace vpn::ipsec
