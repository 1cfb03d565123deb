#pragma once
// Runs an IPsec tunnel whose SAs IKEv2 negotiates (`technique ipsec`, IKE keying):
// point-to-point (`ifconfig A B`; the initiator when the config has a `remote`,
// else the responder) or a road-warrior client (`client` + `remote`: the device
// comes up with the virtual IP the gateway assigns, routes to what it offers).
#include "common/config/options.hpp"
#include "ipsec/config/ipsec_plan.hpp"
#include "p2p/tunnel_runner.hpp"

namespace vpn::p2p {

// Returns the exit status; throws std::runtime_error naming what failed in setup.
int run_ike_tunnel(const config::Options& o, const ipsec::IpsecPlan& plan, const RunHooks& hooks);

}  // namespace vpn::p2p
