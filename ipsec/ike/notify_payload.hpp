#pragma once
// Notify and Delete payloads (RFC 7296 §3.10, §3.11; ikev2-esp.md §1.10, §1.11).
//
//   Notify  Protocol ID (1) | SPI Size (1) | Notify Message Type (2) | SPI | Data
//   Delete  Protocol ID (1) | SPI Size (1) | Num of SPIs (2) | SPIs
#include <array>
#include <cstdint>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/ike/codec_error.hpp"
#include "ipsec/ike/ike_constants.hpp"

namespace vpn::ike {

struct NotifyPayload {
    ProtocolId protocol = ProtocolId::None;  // None with SPI size 0 for IKE-wide notifies
    std::uint8_t spi_size = 0;               // 0..8
    std::array<std::uint8_t, 8> spi{};
    std::uint16_t type = 0;                  // a notify:: value
    Bytes data;

    Bytes spi_bytes() const { return {spi.data(), spi_size}; }
    std::uint32_t spi32() const { return spi_size == 4 ? load_be32(spi.data()) : 0; }
    bool is_error() const { return type < notify::kFirstStatus; }
};

// Errors: Truncated, BadSpiSize (over 8: no IPsec protocol has such SPIs).
Result<NotifyPayload> parse_notify(Bytes body);
std::size_t encoded_size(const NotifyPayload& p);
bool encode(const NotifyPayload& p, MutBytes out);

struct DeletePayload {
    ProtocolId protocol = ProtocolId::Esp;
    // §3.11: SPI size 0 for IKE (the SA the message travels on), 4 for ESP/AH.
    std::uint8_t spi_size = 4;
    std::vector<std::uint32_t> spis;  // empty with spi_size 0
};

// Errors: Truncated, BadSpiSize (not 0 or 4), BadValue (SPI size 0 with a
// non-zero count), TrailingBytes (more bytes than Num of SPIs says).
Result<DeletePayload> parse_delete(Bytes body);
std::size_t encoded_size(const DeletePayload& p);
bool encode(const DeletePayload& p, MutBytes out);

}  // namespace vpn::ike
