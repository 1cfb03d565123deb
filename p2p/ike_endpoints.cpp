#include "p2p/ike_endpoints.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace vpn::p2p {

ike::Endpoint to_endpoint(const net::SockAddr& a) {
    ike::Endpoint e;
    e.port = a.port();
    if (a.family() == AF_INET) {
        const auto* s = reinterpret_cast<const sockaddr_in*>(&a.storage);
        std::memcpy(e.ip.bytes.data(), &s->sin_addr, 4);
        e.ip.len = 4;
    } else if (a.family() == AF_INET6) {
        const auto* s = reinterpret_cast<const sockaddr_in6*>(&a.storage);
        if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr)) {
            std::memcpy(e.ip.bytes.data(), s->sin6_addr.s6_addr + 12, 4);
            e.ip.len = 4;
        } else {
            std::memcpy(e.ip.bytes.data(), s->sin6_addr.s6_addr, 16);
            e.ip.len = 16;
        }
    }
    return e;
}

net::SockAddr to_sockaddr(const ike::Endpoint& e) {
    net::SockAddr a;
    if (e.ip.len == 4) {
        auto* s = reinterpret_cast<sockaddr_in*>(&a.storage);
        s->sin_family = AF_INET;
        s->sin_port = htons(e.port);
        std::memcpy(&s->sin_addr, e.ip.bytes.data(), 4);
        a.len = sizeof(sockaddr_in);
    } else {
        auto* s = reinterpret_cast<sockaddr_in6*>(&a.storage);
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(e.port);
        std::memcpy(s->sin6_addr.s6_addr, e.ip.bytes.data(), 16);
        a.len = sizeof(sockaddr_in6);
    }
    return a;
}

std::optional<ike::IpAddress> local_address_towards(const ike::IpAddress& peer) {
    net::SockAddr to = to_sockaddr(ike::Endpoint{peer, 500});
    int fd = ::socket(to.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::nullopt;
    std::optional<ike::IpAddress> out;
    net::SockAddr me;
    me.len = sizeof me.storage;
    // connect() on UDP sends nothing: it only picks the route and source address.
    if (::connect(fd, to.sa(), to.len) == 0 && ::getsockname(fd, me.sa(), &me.len) == 0) out = to_endpoint(me).ip;
    ::close(fd);
    return out;
}

}  // namespace vpn::p2p
