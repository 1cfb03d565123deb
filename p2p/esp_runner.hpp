#pragma once
// Runs one IPsec point-to-point tunnel: the same device, routes, scripts and event
// loop as the static-key OpenVPN tunnel, with EspLink (manual SAs from `secret`) or
// IkeLink (IKEv2) in place of PeerSession.
#include "common/config/options.hpp"
#include "ipsec/config/ipsec_plan.hpp"
#include "p2p/tunnel_runner.hpp"

namespace vpn::p2p {

// Returns the process exit status; throws std::runtime_error naming what failed in
// setup.  `plan.keying` must be StaticKey.
int run_esp_tunnel(const config::Options& o, const ipsec::IpsecPlan& plan, const RunHooks& hooks);

// The same with SAs negotiated by IKEv2 (`plan.keying` Ike): point-to-point, as the
// initiator when the config has a `remote`, else as the responder.
int run_ike_tunnel(const config::Options& o, const ipsec::IpsecPlan& plan, const RunHooks& hooks);

}  // namespace vpn::p2p
