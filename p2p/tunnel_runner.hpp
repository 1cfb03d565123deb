#pragma once
// Runs one static-key point-to-point tunnel until a signal or ping-exit ends it.
#include <functional>

#include "common/config/options.hpp"

namespace vpn::p2p {

struct RunHooks {
    // Called once the device, routes and socket are set up and before traffic flows:
    // daemonize, write the pid file, drop privileges.
    std::function<void()> after_setup;
};

// Returns the process exit status (0 after SIGTERM/SIGINT or ping-exit).  Throws
// std::runtime_error (and its subclasses from the key, crypto and tun layers) when
// setup fails; the message is one line naming what failed.
int run_static_tunnel(const config::Options& o, const RunHooks& hooks);

}  // namespace vpn::p2p
