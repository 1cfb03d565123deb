#include "common/net/sock_addr.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>

#include <fmt/format.h>

namespace vpn::net {

std::uint16_t SockAddr::port() const {
    if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
    if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
    return 0;
}

bool SockAddr::same_endpoint(const SockAddr& o) const {
    if (family() != o.family()) return false;
    if (family() == AF_INET) {
        auto a = reinterpret_cast<const sockaddr_in*>(&storage);
        auto b = reinterpret_cast<const sockaddr_in*>(&o.storage);
        return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    if (family() == AF_INET6) {
        auto a = reinterpret_cast<const sockaddr_in6*>(&storage);
        auto b = reinterpret_cast<const sockaddr_in6*>(&o.storage);
        return a->sin6_port == b->sin6_port && std::memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0;
    }
    return false;
}

std::string SockAddr::host() const {
    char buf[INET6_ADDRSTRLEN] = "?";
    if (family() == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, buf, sizeof buf);
    else if (family() == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, buf, sizeof buf);
    return buf;
}

std::string SockAddr::str() const {
    if (family() == AF_INET) return fmt::format("[AF_INET]{}:{}", host(), port());
    // A dual-stack socket sees IPv4 peers as ::ffff:a.b.c.d; users know them as IPv4.
    if (family() == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr)) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr.s6_addr;
        return fmt::format("[AF_INET]{}.{}.{}.{}:{}", a[12], a[13], a[14], a[15], port());
    }
    if (family() == AF_INET6) return fmt::format("[AF_INET6]{}:{}", host(), port());
    return "[unspecified]";
}

std::vector<SockAddr> resolve(const std::string& host, std::uint16_t port, Want want, bool passive,
                              std::string* error) {
    addrinfo hints{};
    hints.ai_family = want == Want::V4 ? AF_INET : want == Want::V6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;  // one entry per address; the type does not matter here
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    addrinfo* res = nullptr;
    std::string service = std::to_string(port);
    int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
    std::vector<SockAddr> out;
    if (rc != 0) {
        if (error) *error = gai_strerror(rc);
        return out;
    }
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
        SockAddr a;
        std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
        a.len = ai->ai_addrlen;
        out.push_back(a);
    }
    freeaddrinfo(res);
    return out;
}

SockAddr any_address(int family, std::uint16_t port) {
    SockAddr a;
    if (family == AF_INET6) {
        auto* s = reinterpret_cast<sockaddr_in6*>(&a.storage);
        s->sin6_family = AF_INET6;
        s->sin6_addr = in6addr_any;
        s->sin6_port = htons(port);
        a.len = sizeof(sockaddr_in6);
    } else {
        auto* s = reinterpret_cast<sockaddr_in*>(&a.storage);
        s->sin_family = AF_INET;
        s->sin_addr.s_addr = htonl(INADDR_ANY);
        s->sin_port = htons(port);
        a.len = sizeof(sockaddr_in);
    }
    return a;
}

SockAddr to_v4_mapped(const SockAddr& v4) {
    if (v4.family() != AF_INET) return v4;
    auto* in = reinterpret_cast<const sockaddr_in*>(&v4.storage);
    SockAddr a;
    auto* s = reinterpret_cast<sockaddr_in6*>(&a.storage);
    s->sin6_family = AF_INET6;
    s->sin6_port = in->sin_port;
    s->sin6_addr.s6_addr[10] = 0xff;
    s->sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&s->sin6_addr.s6_addr[12], &in->sin_addr, 4);
    a.len = sizeof(sockaddr_in6);
    return a;
}

}  // namespace vpn::net
