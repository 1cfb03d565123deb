#pragma once
// Runs one static-key point-to-point tunnel until a signal or ping-exit ends it.
#include <functional>

#include "common/config/options.hpp"
#include "common/openvpn/static_data_channel.hpp"
#include "p2p/link_plan.hpp"
#include "p2p/peer_session.hpp"

namespace vpn::p2p {

struct RunHooks {
    // Called once the device, routes and socket are set up and before traffic flows:
    // daemonize, write the pid file, drop privileges.
    std::function<void()> after_setup;
};

// Everything a static-key tunnel needs that can be worked out without touching the
// system: the key and cipher (loaded and checked), the session settings (OCC
// strings, mssfix, timers) and the link plan (remote resolved).  Throws
// std::runtime_error with one line naming the config line or file at fault.
struct PreparedTunnel {
    ovpn::StaticDataChannel channel;
    SessionConfig session;
    LinkPlan link;
};
PreparedTunnel prepare_static_tunnel(const config::Options& o);

// The data session's settings from the options: framing, pings, OCC strings (mss
// is left 0: it depends on the data channel).
SessionConfig session_config(const config::Options& o);

// Returns the process exit status (0 after SIGTERM/SIGINT or ping-exit).  Throws
// std::runtime_error (and its subclasses from the key, crypto and tun layers) when
// setup fails; the message is one line naming what failed.
int run_static_tunnel(const config::Options& o, const RunHooks& hooks);

}  // namespace vpn::p2p
