#pragma once
// Facts about the transforms this product implements, shared by the proposal parser,
// the setkey parser and the static-key derivation: key sizes and names.  IDs are
// ike_constants.hpp's (IANA) numbers.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ipsec/ike/ike_constants.hpp"

namespace vpn::ipsec {

// One ESP algorithm choice: encryption (with its key length for AES) and integrity
// (ike::integ::kNone with an AEAD cipher).
struct EspAlgorithm {
    std::uint16_t encr_id = ike::encr::kAesGcm16;
    std::uint16_t encr_key_bits = 256;  // 0 when the transform has a fixed key (3DES, ChaCha20)
    std::uint16_t integ_id = ike::integ::kNone;
    bool operator==(const EspAlgorithm&) const = default;
};

// True for the combined-mode ciphers (AES-GCM-16, ChaCha20-Poly1305).
bool is_aead(std::uint16_t encr_id);

// Key bytes an SA needs for the cipher, salt included (RFC 4106 §8.1: 4 bytes after an
// AES-GCM key; RFC 7634 §2: 4 after a ChaCha20 key); 0 for NULL and unknown ciphers.
std::size_t encr_key_bytes(std::uint16_t encr_id, std::uint16_t key_bits);

// Key bytes of an HMAC integrity transform (the hash's output length, RFC 2404 and
// RFC 4868); 0 for none and unknown ones.
std::size_t integ_key_bytes(std::uint16_t integ_id);

// strongSwan's name of a transform ("aes256gcm16", "aes128", "3des", "sha256",
// "prfsha256", "x25519", "noesn"), or "TYPE#ID" for one it has no name for here.
std::string transform_name(ike::TransformType type, std::uint16_t id, std::uint16_t key_bits = 0);

// "aes256gcm16" / "aes128-sha1": the ESP algorithm in proposal syntax.
std::string esp_algorithm_name(const EspAlgorithm& a);

}  // namespace vpn::ipsec
