#pragma once
// Runs one TLS-mode tunnel with one peer: a client (`client` / `tls-client` + `pull`)
// that configures its device from the server's push, a P2P TLS peer, or a server
// (`tls-server`, optionally `mode server` with `push` / `ifconfig-push`) for one
// client.  Until a signal (or ping-exit / AUTH_FAILED / HALT) ends it.
#include "common/config/options.hpp"
#include "p2p/tunnel_runner.hpp"

namespace vpn::p2p {

// Returns the process exit status.  Throws std::runtime_error (one line) when the
// setup fails before traffic could flow.
int run_tls_tunnel(const config::Options& o, const RunHooks& hooks);

}  // namespace vpn::p2p
