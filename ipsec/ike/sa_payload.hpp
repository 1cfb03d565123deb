#pragma once
// SA payload (RFC 7296 §3.3; ikev2-esp.md §1.4): proposals, each with transforms,
// each with attributes.
//
//   proposal:  Last (0 last | 2 more) | RESERVED | Proposal Length (2)
//              Proposal Num | Protocol ID | SPI Size | Num Transforms | SPI | transforms
//   transform: Last (0 last | 3 more) | RESERVED | Transform Length (2)
//              Transform Type | RESERVED | Transform ID (2) | attributes
//   attribute: AF|Type (2) | Value (2)               AF = 1 (TV)
//              AF|Type (2) | Length (2) | Value      AF = 0 (TLV)
//
// Parsing keeps what selection needs to *skip* things rather than fail the whole
// payload: unknown transform types and IDs are kept as numbers, and a transform
// with an attribute we do not know is flagged (§3.3.6: that transform alone is
// unacceptable).  The Last fields are checked on parse and written on build.
#include <array>
#include <cstdint>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/ike/codec_error.hpp"
#include "ipsec/ike/ike_constants.hpp"

namespace vpn::ike {

struct Transform {
    std::uint8_t type = 0;             // a TransformType value, or an unknown one
    std::uint16_t id = 0;
    std::uint16_t key_length = 0;      // Key Length attribute (bits); 0 = absent
    bool unknown_attributes = false;   // parse only: other attributes were present

    friend bool operator==(const Transform&, const Transform&) = default;
};

struct Proposal {
    std::uint8_t number = 1;
    ProtocolId protocol = ProtocolId::Ike;
    std::uint8_t spi_size = 0;        // 0 (IKE_SA_INIT), 4 (ESP/AH) or 8 (IKE rekey)
    std::array<std::uint8_t, 8> spi{};  // first spi_size bytes used
    std::vector<Transform> transforms;

    Bytes spi_bytes() const { return {spi.data(), spi_size}; }
    // The 4-byte SPI of an ESP/AH proposal (0 for other sizes).
    std::uint32_t spi32() const { return spi_size == 4 ? load_be32(spi.data()) : 0; }
    void set_spi32(std::uint32_t v) {
        spi_size = 4;
        store_be32(spi.data(), v);
    }

    friend bool operator==(const Proposal&, const Proposal&) = default;
};

struct SaPayload {
    std::vector<Proposal> proposals;
    friend bool operator==(const SaPayload&, const SaPayload&) = default;
};

// Errors: Truncated, BadSubstructure (lengths, Last fields or counts inconsistent,
// no proposal), BadSpiSize (not 0, 4 or 8), TrailingBytes.
Result<SaPayload> parse_sa(Bytes body);

// Body size and writer for ChainBuilder::add_payload.  encode() fails (false) if
// `out` is not exactly encoded_size() or a count does not fit its field.
std::size_t encoded_size(const SaPayload& sa);
bool encode(const SaPayload& sa, MutBytes out);

}  // namespace vpn::ike
