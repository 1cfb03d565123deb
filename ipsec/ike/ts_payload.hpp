#pragma once
// TSi / TSr payloads (RFC 7296 §3.13; ikev2-esp.md §1.13).
//
//   body:     Number of TSs (1) | RESERVED (3) | selectors
//   selector: TS Type (1) | IP Protocol ID (1) | Selector Length (2)
//             Start Port (2) | End Port (2) | Starting Address | Ending Address
//   TS_IPV4_ADDR_RANGE (7): 4-byte addresses, length 16
//   TS_IPV6_ADDR_RANGE (8): 16-byte addresses, length 40
//
// Selectors of other types are skipped (counted) on parse: §2.9 lets the
// responder drop TS types it does not know.
#include <array>
#include <cstdint>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/ike/codec_error.hpp"
#include "ipsec/ike/ike_constants.hpp"

namespace vpn::ike {

struct TrafficSelector {
    TsType type = TsType::Ipv4AddrRange;
    std::uint8_t ip_protocol = 0;  // 0 = any
    std::uint16_t start_port = 0;
    std::uint16_t end_port = 0xffff;
    std::array<std::uint8_t, 16> start{};  // IPv4: first 4 bytes
    std::array<std::uint8_t, 16> end{};

    std::size_t address_length() const { return type == TsType::Ipv6AddrRange ? 16 : 4; }
    friend bool operator==(const TrafficSelector&, const TrafficSelector&) = default;
};

struct TsPayload {
    std::vector<TrafficSelector> selectors;
    std::size_t skipped = 0;  // parse only: selectors of unknown types
};

// Errors: Truncated, BadValue (Number of TSs 0; a known type with the wrong
// Selector Length), BadSubstructure (length below 8 or past the end),
// TrailingBytes (bytes after the counted selectors).
Result<TsPayload> parse_ts(Bytes body);
std::size_t encoded_size(const TsPayload& p);
// False if out.size() != encoded_size(), no selectors, more than 255, or an
// unknown type.
bool encode(const TsPayload& p, MutBytes out);

}  // namespace vpn::ike
