#pragma once
// The fields of an inner IPv4 packet that setkey policies select on (setkey(8)
// spdadd: source and destination range, upper-layer protocol, ports).  Read
// straight from the packet the TUN hands us, or the one ESP just decrypted;
// nothing allocates.
#include <cstdint>
#include <optional>

#include "common/util/bytes.hpp"

namespace vpn::ipsec::manual {

struct Flow {
    std::uint32_t src = 0, dst = 0;  // host byte order
    std::uint8_t proto = 0;          // IP protocol number (6 TCP, 17 UDP, 1 ICMP ...)
    // TCP, UDP and SCTP carry ports; only in the first fragment, so a later
    // fragment never matches a selector that names a port.
    bool has_ports = false;
    std::uint16_t sport = 0, dport = 0;
};

// nullopt: not an IPv4 packet, or too short for its own header.  setkey selectors
// here are IPv4 only (the parser refuses IPv6), so an IPv6 packet has no flow.
std::optional<Flow> flow_of(Bytes packet);

}  // namespace vpn::ipsec::manual
