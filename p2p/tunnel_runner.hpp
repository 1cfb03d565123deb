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

class TunnelLoop;
// The part every p2p runner shares: open the device (ifconfig, up script, routes),
// run `session` on a TunnelLoop over `plan` until it ends, close the device (down
// script).  `wire` sees the loop before it starts (to connect session events to
// its transport).  Returns the loop's exit status.
int run_on_device(const config::Options& o, LinkSession& session, const LinkPlan& plan, std::size_t payload_max,
                  const RunHooks& hooks, const std::function<void(TunnelLoop&)>& wire = {});

}  // namespace vpn::p2p
