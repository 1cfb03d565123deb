#pragma once
// Our socket addresses as Asio's TCP endpoints and back (the bytes are the same
// sockaddr; only the wrapper differs).
#include <algorithm>
#include <cstring>

#include <asio/ip/tcp.hpp>

#include "common/net/sock_addr.hpp"

namespace vpn::p2p {

inline asio::ip::tcp::endpoint to_endpoint(const net::SockAddr& a) {
    asio::ip::tcp::endpoint ep;
    const std::size_t n = std::min<std::size_t>(a.len, ep.capacity());  // IPv4 or IPv6 only
    std::memcpy(ep.data(), &a.storage, n);
    ep.resize(n);
    return ep;
}

inline net::SockAddr from_endpoint(const asio::ip::tcp::endpoint& ep) {
    net::SockAddr a;
    std::memcpy(&a.storage, ep.data(), std::min<std::size_t>(ep.size(), sizeof a.storage));
    a.len = static_cast<socklen_t>(ep.size());
    return a;
}

}  // namespace vpn::p2p
