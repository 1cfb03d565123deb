#pragma once
// What arrives on UDP port 4500 (RFC 3948 §2; ikev2-esp.md §4.3):
//
//   NAT keepalive   | FF |                              exactly one byte
//   IKE             | 00 00 00 00 | IKE header ...      non-ESP marker
//   ESP             | SPI (!= 0) | seq | IV ... | ICV |
//
// classify_udp4500() tells them apart without copying; the IKE message and the ESP
// packet are views into the datagram.  Anything else is Malformed (counted by the
// caller as Drop::Malformed).
#include <array>
#include <cstddef>
#include <cstdint>

#include "common/util/bytes.hpp"

namespace vpn::esp {

inline constexpr std::size_t kNonEspMarkerLen = 4;
// The keepalive a host behind a NAT sends every ~20 s (RFC 3948 §2.3).
inline constexpr std::array<std::uint8_t, 1> kNatKeepalive{0xFF};

enum class Udp4500Kind : std::uint8_t { Keepalive, Ike, Esp, Malformed };

struct Udp4500 {
    Udp4500Kind kind = Udp4500Kind::Malformed;
    // Ike: the IKE message after the marker (at least an IKE header long).
    // Esp: the whole ESP packet (at least SPI and sequence number).
    Bytes body;
    std::uint32_t spi = 0;  // Esp only
};

const char* kind_name(Udp4500Kind k);  // "keepalive", "ike", "esp", "malformed"

Udp4500 classify_udp4500(Bytes datagram);

}  // namespace vpn::esp
