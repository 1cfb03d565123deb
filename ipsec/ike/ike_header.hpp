#pragma once
// The 28-byte IKE header (RFC 7296 §3.1; ikev2-esp.md §1.2).
//
//   0   8  SPIi            16  1 Next Payload   18  1 Exchange Type
//   8   8  SPIr            17  1 Version 0x20   19  1 Flags (I 0x08, V 0x10, R 0x20)
//   20  4  Message ID      24  4 Length of the whole message, header included
#include <array>
#include <cstdint>

#include "common/util/bytes.hpp"
#include "ipsec/ike/codec_error.hpp"
#include "ipsec/ike/ike_constants.hpp"

namespace vpn::ike {

using IkeSpi = std::array<std::uint8_t, 8>;

struct IkeHeader {
    IkeSpi spi_i{};
    IkeSpi spi_r{};
    PayloadType next_payload = PayloadType::None;  // any byte value, as received
    std::uint8_t version = kVersion;
    ExchangeType exchange = ExchangeType::IkeSaInit;  // any byte value, as received
    std::uint8_t flags = 0;
    std::uint32_t message_id = 0;
    std::uint32_t length = 0;

    std::uint8_t major_version() const { return version >> 4; }
    bool is_response() const { return (flags & flag::kResponse) != 0; }
    // Sent by the original initiator of the IKE SA: selects SK_ei/SK_ai.
    bool from_initiator() const { return (flags & flag::kInitiator) != 0; }
};

// Parse the header of `datagram` (the IKE message alone: no UDP header, no non-ESP
// marker).  Errors: Truncated (< 28 bytes), LengthMismatch (Length field differs
// from datagram.size()), BadVersion (major version not 2).  On LengthMismatch and
// BadVersion `value` still holds the header, so the caller can answer
// INVALID_MAJOR_VERSION to the SPIs in it.  Reserved flag bits are kept but not
// judged: RFC 7296 §3.1 says to ignore them on receipt.
Result<IkeHeader> parse_header(Bytes datagram);

// Write `h` as 28 bytes at `out` (which must have room for kHeaderLen).
void write_header(const IkeHeader& h, std::uint8_t* out);

}  // namespace vpn::ike
