#pragma once
// `technique ipsec` with `server NET MASK` (or `mode server`): an IKEv2 responder for
// any authenticated road warrior (strongSwan's %any), handing out virtual IPs from
// the same pool as the TLS server (`ifconfig-pool-persist` honoured), DNS from
// `push "dhcp-option DNS ..."`, and narrowing traffic selectors to the server's
// network and the pushed routes.  The data path is p2p::IkeLink in gateway mode on
// the ordinary TunnelLoop.
#include "common/config/options.hpp"
#include "ipsec/config/ipsec_plan.hpp"
#include "p2p/tunnel_runner.hpp"

namespace vpn::server {

// Returns the exit status; throws std::runtime_error naming what failed in setup.
int run_ipsec_gateway(const config::Options& o, const ipsec::IpsecPlan& plan, const p2p::RunHooks& hooks);

}  // namespace vpn::server
