#pragma once
// Runs one IPsec point-to-point tunnel with manually keyed ESP SAs (`technique
// ipsec` with `secret` or `setkey`): the same device, routes, scripts and event
// loop as the static-key OpenVPN tunnel, with EspLink in place of PeerSession.
#include "common/config/options.hpp"
#include "ipsec/config/ipsec_plan.hpp"
#include "p2p/tunnel_runner.hpp"

namespace vpn::p2p {

// Returns the process exit status; throws std::runtime_error naming what failed in
// setup.  `plan.keying` must be StaticKey or Setkey.
int run_esp_tunnel(const config::Options& o, const ipsec::IpsecPlan& plan, const RunHooks& hooks);


}  // namespace vpn::p2p
