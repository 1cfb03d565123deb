#pragma once
// Addresses and UDP endpoints as the IKE state machines see them: plain bytes, no
// socket headers (the runtime converts to and from its socket addresses).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/util/bytes.hpp"

namespace vpn::ike {

struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};
    std::uint8_t len = 4;  // 4 (IPv4) or 16 (IPv6)

    Bytes span() const { return {bytes.data(), len}; }
    static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
    // IPv4 in host byte order, as pools and packet headers (load_be32) hold it.
    static IpAddress v4_host(std::uint32_t host) {
        return v4(std::uint8_t(host >> 24), std::uint8_t(host >> 16), std::uint8_t(host >> 8), std::uint8_t(host));
    }
    // Precondition: len == 4.
    std::uint32_t host_v4() const {
        return std::uint32_t(bytes[0]) << 24 | std::uint32_t(bytes[1]) << 16 | std::uint32_t(bytes[2]) << 8 | bytes[3];
    }
    // nullopt unless `b` is 4 or 16 bytes.
    static std::optional<IpAddress> from_bytes(Bytes b);
    std::string str() const;  // "192.0.2.1", "2001:db8::1"
    bool operator==(const IpAddress&) const = default;
};

struct Endpoint {
    IpAddress ip;
    std::uint16_t port = 500;
    std::string str() const;  // "192.0.2.1:500"
    bool operator==(const Endpoint&) const = default;
};

// Where a datagram arrived (local) and who sent it (remote).
struct Endpoints {
    Endpoint local;
    Endpoint remote;
};

// One IKE datagram for the runtime to send.  `bytes` is the IKE message alone;
// with `natt` the runtime prefixes the 4-byte non-ESP marker (RFC 3948 §2.2), and
// the ports are 4500 then.
struct OutDatagram {
    std::vector<std::uint8_t> bytes;
    Endpoint to;
    Endpoint from;
    bool natt = false;
};

}  // namespace vpn::ike
