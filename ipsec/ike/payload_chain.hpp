#pragma once
// The payload chain of an IKE message (RFC 7296 §3.2; ikev2-esp.md §1.3): parsed
// into views of each payload's body, without copying.
//
//   generic payload header:  Next Payload (1) | C bit + 7 reserved (1) | Length (2)
//
// The IKE header names the first payload, each payload the next; 0 ends the chain.
// SK (46) and SKF (53) must be last: their Next Payload field names the first
// payload *inside* the encryption, so the outer chain stops there.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/ike/codec_error.hpp"
#include "ipsec/ike/ike_constants.hpp"
#include "ipsec/ike/ike_header.hpp"

namespace vpn::ike {

inline constexpr std::size_t kPayloadHeaderLen = 4;

// One payload: its type, its critical bit and its body (after the generic header).
struct PayloadView {
    PayloadType type = PayloadType::None;
    bool critical = false;
    std::uint8_t next = 0;    // raw Next Payload field; for SK/SKF the first inner type
    std::size_t offset = 0;   // of the generic header, from the start of the parsed bytes
    Bytes body;               // points into the parsed bytes
};

// Payload types this codec understands (RFC 7296 types 33..48, RFC 7383 SKF 53).
bool is_known_payload(std::uint8_t type);

struct PayloadChain {
    std::vector<PayloadView> payloads;  // understood payloads, in wire order
    std::size_t skipped = 0;            // unknown payloads with C = 0 (RFC 7296 §2.5)
    // With CodecError::UnsupportedCritical: the type to put in the
    // UNSUPPORTED_CRITICAL_PAYLOAD notify.
    std::uint8_t unsupported_critical = 0;

    // First payload of `type`, or nullptr.
    const PayloadView* find(PayloadType type) const;
    std::size_t count(PayloadType type) const;
};

enum class ChainKind : std::uint8_t {
    Outer,  // a message's own chain: SK/SKF may end it
    Inner,  // decrypted SK contents: SK/SKF are not allowed
};

// Parse the chain starting with `first` over `bytes`, which it must fill exactly.
// `base` is added to each view's offset (the chain's position in its message).
// Errors: Truncated, BadPayloadLength, TrailingBytes, MisplacedSk, UnsupportedCritical
// (then value.unsupported_critical is set and value.payloads holds the payloads
// before it).
Result<PayloadChain> parse_chain(PayloadType first, Bytes bytes, ChainKind kind, std::size_t base = 0);

struct MessageView {
    IkeHeader header;
    Bytes raw;           // the whole message; every view points into it
    PayloadChain chain;  // the outer chain

    // The SK or SKF payload (always the last one), or nullptr if the message is in clear.
    const PayloadView* encrypted() const;
};

// Header and outer chain of one IKE message (no UDP header, no non-ESP marker).
// Errors: those of parse_header() and parse_chain().  On UnsupportedCritical
// value.header and value.chain.unsupported_critical are valid.
Result<MessageView> parse_message(Bytes datagram);

}  // namespace vpn::ike
