#pragma once
// Which signature an AUTH payload carries, and how it is named on the wire:
//   method 1        RSASSA-PKCS1-v1_5 with SHA-1 (RFC 7296 §3.8)
//   methods 9/10/11 ECDSA P-256/SHA-256, P-384/SHA-384, P-521/SHA-512 (RFC 4754,
//                   signature = r | s, each the curve's size)
//   method 14       RFC 7427: length byte | DER AlgorithmIdentifier | signature, for
//                   sha{256,384,512}WithRSAEncryption, RSASSA-PSS (salt = hash
//                   length, MGF1 with the same hash) and ecdsa-with-SHA{256,384,512}
//                   (signature DER-encoded)
// and which one we use towards a peer, from its SIGNATURE_HASH_ALGORITHMS notify.
#include <openssl/types.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/ike/ike_constants.hpp"
#include "ipsec/ike/outcome.hpp"

namespace vpn::ike {

enum class SignatureScheme : std::uint8_t {
    RsaSha1,          // method 1
    EcdsaP256Sha256,  // method 9
    EcdsaP384Sha384,  // method 10
    EcdsaP521Sha512,  // method 11
    RsaPkcs1Sha256,   // method 14 from here on
    RsaPkcs1Sha384,
    RsaPkcs1Sha512,
    RsaPssSha256,
    RsaPssSha384,
    RsaPssSha512,
    EcdsaSha256,
    EcdsaSha384,
    EcdsaSha512,
};

AuthMethod auth_method(SignatureScheme s);
// "RSA_EMSA_PKCS1_SHA2_256", "ECDSA_WITH_SHA256_DER", ... for logs.
std::string_view scheme_name(SignatureScheme s);
// OpenSSL digest name: "SHA1", "SHA2-256", ...
const char* scheme_digest(SignatureScheme s);
// RFC 7427 hash algorithm number of the scheme's digest (hash_alg::k*).
std::uint16_t scheme_hash_alg(SignatureScheme s);

// What a private or public key is, as far as AUTH methods care.
enum class KeyKind { Rsa, EcP256, EcP384, EcP521, Unsupported };
KeyKind key_kind(EVP_PKEY* key);

// The scheme to sign with.  `peer_hashes` is the peer's SIGNATURE_HASH_ALGORITHMS
// list, nullopt if it sent none (then the classic methods: 1 for RSA, 9/10/11 for
// ECDSA).  With a list: method 14 with SHA-256, else SHA-384, else SHA-512 for RSA
// (PSS if `prefer_pss`); for ECDSA the hash that matches the curve first, then the
// others; back to the classic method if no SHA-2 hash is shared.  Fails for keys
// of other types or curves.
Outcome<SignatureScheme> choose_signature_scheme(EVP_PKEY* key,
                                                 const std::optional<std::vector<std::uint16_t>>& peer_hashes,
                                                 bool prefer_pss = false);

// Our SIGNATURE_HASH_ALGORITHMS notify data: SHA2-256, SHA2-384, SHA2-512.
std::vector<std::uint8_t> signature_hash_algorithms_data();
// A received notify's data as hash numbers; nullopt if its length is odd.
// Unknown numbers are kept (choose_signature_scheme skips them).
std::optional<std::vector<std::uint16_t>> parse_signature_hash_algorithms(Bytes data);

}  // namespace vpn::ike
