#pragma once
// Where the link binds and whom it talks to, worked out once from the options:
// the socket family, the local address, the resolved remote.
#include <optional>
#include <string>
#include <vector>

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
    // IPsec without UDP encapsulation: ESP straight over IP (protocol 50), no ports.
    bool raw_esp = false;
    // IPsec with IKE: UDP 500 and 4500 (and raw ESP when raw_esp) behind one transport.
    bool ike = false;

    // Every `remote` line (shuffled once with remote-random); remote_host/port/want
    // above are remotes[remote_index]'s.  A client moves to the next one when a
    // connection attempt fails (TCP) or the session restarts (UDP).
    struct Remote {
        std::string host;
        std::uint16_t port = 1194;
        net::Want want = net::Want::Any;
    };
    std::vector<Remote> remotes;
    std::size_t remote_index = 0;
    int connect_retry = 1;            // seconds before retrying (TCP; doubles per round)
    int connect_retry_max_wait = 300;
    int connect_retry_max = 0;        // tries of each remote before giving up; 0 = forever
};

// Throws std::runtime_error naming the host when `local` cannot be resolved.  A remote
// that does not resolve yet is not fatal (UDP retries at restart, TCP at reconnect).
LinkPlan plan_link(const config::Options& o);

// Moves to the next remote line (wrapping) and resolves it into plan.remote; returns
// true when the list wrapped around to the first one (a full round failed).
bool next_remote(LinkPlan& plan);

// Resolves plan.remote_host again, mapped into the socket family.
std::optional<net::SockAddr> resolve_remote(const LinkPlan& plan);

}  // namespace vpn::p2p
