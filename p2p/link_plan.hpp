#pragma once
// Where the link binds and whom it talks to, worked out once from the options:
// the socket family, the local address, the resolved remote.
#include <optional>
#include <string>

#include "common/config/options.hpp"
#include "common/net/sock_addr.hpp"

namespace vpn::p2p {

struct LinkPlan {
    config::Proto proto = config::Proto::Udp;
    int family = AF_INET;
    bool v6only = false;
    bool bind = true;
    net::SockAddr local;
    std::string remote_host;             // as configured ("" = none: wait for the peer)
    std::uint16_t remote_port = 1194;
    net::Want want = net::Want::Any;
    std::optional<net::SockAddr> remote;  // resolved, in the socket's family
    bool float_remote = false;
};

// Throws std::runtime_error naming the host when `local` cannot be resolved.  A remote
// that does not resolve yet is not fatal (UDP retries at restart, TCP at reconnect).
LinkPlan plan_link(const config::Options& o);

// Resolves plan.remote_host again, mapped into the socket family.
std::optional<net::SockAddr> resolve_remote(const LinkPlan& plan);

}  // namespace vpn::p2p
