#pragma once
// Configuration payload (RFC 7296 §3.15; ikev2-esp.md §1.15).
//
//   body:      CFG Type (1) | RESERVED (3) | attributes
//   attribute: R|Attribute Type (2, R reserved) | Length (2) | Value
#include <cstdint>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/ike/codec_error.hpp"
#include "ipsec/ike/ike_constants.hpp"

namespace vpn::ike {

struct CfgAttribute {
    std::uint16_t type = 0;  // a cfg_attr:: value (15 bits)
    Bytes value;             // empty in a request = "give me any"
};

struct CpPayload {
    CfgType type = CfgType::Request;
    std::vector<CfgAttribute> attributes;

    // First attribute of `type`, or nullptr.
    const CfgAttribute* find(std::uint16_t type) const;
};

// Errors: Truncated (fixed part, or an attribute running past the end).
Result<CpPayload> parse_cp(Bytes body);
std::size_t encoded_size(const CpPayload& p);
// False if out.size() != encoded_size(), a type above 0x7fff or a value over 65535 bytes.
bool encode(const CpPayload& p, MutBytes out);

}  // namespace vpn::ike
