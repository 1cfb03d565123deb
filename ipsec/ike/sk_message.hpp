#pragma once
// Whole SK-protected messages (RFC 7296 §3.14): IKE header, then one SK payload
// holding the encrypted inner payload chain.
//
//   build:   ChainBuilder inner(buf) ... ; seal_message(cipher, hdr, inner.first(), inner.bytes(), out)
//   receive: parse_message(dgram) -> open_message(cipher, view, plain) -> inner chain
#include <cstddef>

#include "common/util/bytes.hpp"
#include "ipsec/ike/codec_error.hpp"
#include "ipsec/ike/ike_header.hpp"
#include "ipsec/ike/payload_chain.hpp"
#include "ipsec/ike/sk_cipher.hpp"

namespace vpn::ike {

// Size of the message seal_message() writes for `inner_len` bytes of payloads.
std::size_t sk_message_length(const SkCipher& c, std::size_t inner_len);

// Write `h` (its next_payload and length are set here) and SK{inner} to `out`;
// returns the message length.  `first_inner` is the type of inner's first payload
// (None for an empty INFORMATIONAL).  Errors: BufferTooSmall, TooLarge (SK
// payload over 65535 bytes), CryptoFailure.
Result<std::size_t> seal_message(SkCipher& c, const IkeHeader& h, PayloadType first_inner, Bytes inner,
                                 MutBytes out);

// Verify and decrypt the SK payload of `msg` into `plain` (at least as large as the
// SK body) and parse the inner chain; the views point into `plain`.  Errors:
// MisplacedSk (no SK payload: in clear, or an SKF fragment), the errors of
// SkCipher::open() and of parse_chain() (UnsupportedCritical: the message is
// authentic and value.unsupported_critical names the type).
Result<PayloadChain> open_message(SkCipher& c, const MessageView& msg, MutBytes plain);

}  // namespace vpn::ike
