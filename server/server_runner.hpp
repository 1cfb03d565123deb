#pragma once
// Runs `mode server`: the device, the link (UDP or TCP), the MultiServer, the status
// file, the pool persist file and the management interface, until a signal ends it.
#include "common/config/options.hpp"
#include "p2p/tunnel_runner.hpp"

namespace vpn::server {

// Returns the process exit status.  Throws std::runtime_error (one line) when the
// setup fails before clients could connect.
int run_multi_server(const config::Options& o, const p2p::RunHooks& hooks);

}  // namespace vpn::server
