#pragma once
// What an SA negotiated, as transform IDs (ike_constants.hpp), and the key, IV and
// ICV sizes they imply.  Shared by the key schedule (how many bytes of prf+ output
// go where), the SK payload and ESP (how to cut a packet), and the proposal code.
//
// Sizes follow RFC 7296 §2.13-2.14 and §2.17, RFC 5282 (GCM in IKE), RFC 4106/4309
// (GCM in ESP), RFC 3686/5930 (CTR), RFC 7634 (ChaCha20-Poly1305): the "key" of the
// counter-mode and AEAD ciphers includes their salt/nonce bytes at the end.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ipsec/ike/ike_constants.hpp"
#include "ipsec/ike/outcome.hpp"

namespace vpn::ike {

struct TransformSet {
    std::uint16_t encr = 0;
    std::uint16_t encr_key_bits = 0;  // the Key Length attribute; 0 when absent
    std::uint16_t integ = integ::kNone;
    std::uint16_t prf = 0;            // IKE SAs only; 0 for child SAs
    std::uint16_t dh = dh::kNone;     // 0 for a child SA without PFS
    bool esn = false;                 // child SAs only
};

struct EncrSpec {
    std::string_view name;     // "AES_CBC_256", "AES_GCM_16_128", ...
    std::size_t key_len = 0;   // bytes of keying material, salt included
    std::size_t salt_len = 0;  // trailing bytes of the key that form the nonce's fixed part
    std::size_t iv_len = 0;    // explicit IV carried in each packet
    std::size_t block_len = 1; // padding unit of the payload (1 = none beyond 4-byte alignment)
    std::size_t icv_len = 0;   // AEAD tag; 0 for non-AEAD ciphers
    bool aead = false;
};

struct IntegSpec {
    std::string_view name;    // "HMAC_SHA2_256_128"
    std::string_view digest;  // OpenSSL digest name, "SHA2-256"
    std::size_t key_len = 0;
    std::size_t icv_len = 0;  // truncated output
};

// nullopt: unknown cipher, or a key length the cipher does not have (AES-CBC
// without a Key Length attribute, 3DES with one other than 192 ...).
std::optional<EncrSpec> encr_spec(std::uint16_t encr_id, std::uint16_t key_bits);
// nullopt: unknown.  integ::kNone is not an algorithm: nullopt as well.
std::optional<IntegSpec> integ_spec(std::uint16_t integ_id);

// The byte counts the key schedule cuts prf+ output into.
struct KeySizes {
    std::size_t encr_key = 0;   // SK_e* / Ei, Er (salt included)
    std::size_t integ_key = 0;  // SK_a* / Ai, Ar; 0 with an AEAD cipher
    std::size_t prf_key = 0;    // SK_d, SK_p*: the PRF's output length; 0 for child SAs
    std::size_t iv = 0;
    std::size_t icv = 0;        // AEAD tag or truncated HMAC
    bool aead = false;
};

// Checks the combination: an AEAD cipher with an INTEG transform, a non-AEAD
// cipher without one, and (ike = true) a missing or unknown PRF or ENCR_NULL are
// failures, with the reason.
Outcome<KeySizes> key_sizes(const TransformSet& t, bool ike);

}  // namespace vpn::ike
