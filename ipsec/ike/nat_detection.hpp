#pragma once
// NAT_DETECTION_SOURCE_IP / _DESTINATION_IP notify data (RFC 7296 §2.23):
//   SHA-1(SPIi | SPIr | IP address | port)
// with the SPIs as they appear in the header of the message that carries the
// notify (SPIr is zero in the IKE_SA_INIT request), the address in network order
// (4 or 16 bytes) and the UDP port big-endian.
#include <array>
#include <cstdint>
#include <optional>

#include "common/util/bytes.hpp"

namespace vpn::ike {

using NatDetectionHash = std::array<std::uint8_t, 20>;

// nullopt if an SPI is not 8 bytes or `ip` is neither 4 nor 16 bytes.
std::optional<NatDetectionHash> nat_detection_hash(Bytes spi_i, Bytes spi_r, Bytes ip, std::uint16_t port);

// True if `notify_data` (a received NAT-D notify's data) equals `expected`.  A
// mismatch means a NAT between the peers: for SOURCE_IP the peer is behind it
// (unless another SOURCE_IP notify matches), for DESTINATION_IP we are.
bool nat_detection_matches(Bytes notify_data, const NatDetectionHash& expected);

}  // namespace vpn::ike
