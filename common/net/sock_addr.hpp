#pragma once
// A socket address (IPv4 or IPv6) with name resolution and printing in OpenVPN's
// "[AF_INET]1.2.3.4:1194" style.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vpn::net {

struct SockAddr {
    sockaddr_storage storage{};
    socklen_t len = 0;

    int family() const { return storage.ss_family; }
    const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage); }
    sockaddr* sa() { return reinterpret_cast<sockaddr*>(&storage); }
    std::uint16_t port() const;
    bool same_endpoint(const SockAddr& other) const;  // family, address and port
    std::string str() const;                          // "[AF_INET]10.1.2.3:1194"
    std::string host() const;                         // "10.1.2.3"
};

enum class Want { Any, V4, V6 };

// getaddrinfo wrapper: every address of `host` for `port`, in resolver order.
// On failure the error text (gai_strerror) is returned in `error`.
std::vector<SockAddr> resolve(const std::string& host, std::uint16_t port, Want want, bool passive,
                              std::string* error);

// The wildcard address of a family ("0.0.0.0" / "::") for binding.
SockAddr any_address(int family, std::uint16_t port);

// An IPv4 address as an IPv4-mapped IPv6 one, so a dual-stack socket can send to it.
SockAddr to_v4_mapped(const SockAddr& v4);

}  // namespace vpn::net
