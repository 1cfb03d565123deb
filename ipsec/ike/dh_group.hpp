#pragma once
// Diffie-Hellman for the KE payload (RFC 7296 §3.4) through OpenSSL 3 EVP:
//   MODP 14/15/16  RFC 3526 primes, g = 2; public value and g^ir left-padded to the
//                  modulus length (256/384/512 bytes)
//   ECP 19/20/21   RFC 5903: public value x | y (32/48/66 bytes each, no 0x04
//                  prefix); g^ir = the x coordinate of the shared point
//   Curve25519 31  RFC 8031: 32-byte X25519 values as they are
//
// The private key stays inside OpenSSL's EVP_PKEY, which wipes it when freed
// (BN_clear_free, OPENSSL_secure_clear_free); it is never exported or logged.
#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/crypto/secure_buffer.hpp"
#include "common/util/bytes.hpp"
#include "ipsec/ike/outcome.hpp"
#include "pki/openssl_types.hpp"

namespace vpn::ike {

// Length of the KE payload's key exchange data for `group`; nullopt if unsupported.
std::optional<std::size_t> dh_public_size(std::uint16_t group);
// Length of g^ir (the secret the key schedule gets).
std::optional<std::size_t> dh_secret_size(std::uint16_t group);
// "MODP_2048", "ECP_256", "CURVE_25519"; "" if unsupported.
std::string_view dh_group_name(std::uint16_t group);

class DhKeyPair {
public:
    // A fresh key pair from OpenSSL's DRBG.  Fails only for an unsupported group
    // or an OpenSSL failure.
    static Outcome<DhKeyPair> generate(std::uint16_t group);

    // A key pair from a known private value, for known-answer tests: the MODP
    // exponent or ECP scalar big-endian, the X25519 scalar as RFC 7748 writes it.
    static Outcome<DhKeyPair> from_private(std::uint16_t group, Bytes private_value);

    std::uint16_t group() const { return group_; }
    // Our KE payload data, in the group's wire encoding.
    const std::vector<std::uint8_t>& public_value() const { return public_; }

    // g^ir from the peer's KE data, after validating it: exact length for the
    // group; MODP 1 < y < p-1; ECP a point on the curve; X25519 output not all
    // zero (RFC 7748 §6.1 small-order inputs).  Bad peer values are failures.
    Outcome<crypto::SecureBuffer> shared_secret(Bytes peer_public) const;

private:
    DhKeyPair(std::uint16_t group, pki::EvpPkeyPtr key, std::vector<std::uint8_t> pub)
        : group_(group), key_(std::move(key)), public_(std::move(pub)) {}

    std::uint16_t group_ = 0;
    pki::EvpPkeyPtr key_;
    std::vector<std::uint8_t> public_;
};

}  // namespace vpn::ike
