#pragma once
// Signature AUTH payloads (methods 1, 9/10/11, 14; signature_scheme.hpp): sign the
// signed octets (auth_octets.hpp) with our private key, verify a peer's with the
// public key of its (already chain-verified) certificate.
#include <openssl/types.h>

#include <cstdint>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/ike/ike_constants.hpp"
#include "ipsec/ike/outcome.hpp"
#include "ipsec/ike/signature_scheme.hpp"

namespace vpn::ike {

// The AUTH payload after its generic header: Auth Method, then (after three
// reserved bytes on the wire) the Authentication Data.
struct AuthData {
    AuthMethod method = AuthMethod::SharedKey;
    std::vector<std::uint8_t> data;

    // method | 0 0 0 | data: the AUTH payload body.
    std::vector<std::uint8_t> payload_body() const;
};

// Sign `octets`.  Fails if the key cannot make that scheme (an ECDSA scheme with an
// RSA key, method 9 with a P-384 key, ...) or OpenSSL fails.
Outcome<AuthData> sign_auth(SignatureScheme scheme, EVP_PKEY* key, Bytes octets);

// Check a peer's signature AUTH: `method` and `data` as received, `octets` as
// computed for the peer, `peer_key` from its certificate.  On success, the scheme
// that was used (for the log).  Fails with a reason for PSK/unknown methods, a key
// that does not fit the method or the RFC 7427 AlgorithmIdentifier (e.g.
// ecdsa-with-SHA256 with an RSA key), malformed data, SHA-1 inside method 14, or a
// signature that does not verify.
Outcome<SignatureScheme> verify_auth(AuthMethod method, Bytes data, Bytes octets, EVP_PKEY* peer_key);

// The DER AlgorithmIdentifier method 14 puts before the signature (RFC 7427 §3;
// PSS parameters as OpenSSL encodes them).  Empty for methods 1 and 9-11.
std::vector<std::uint8_t> algorithm_identifier(SignatureScheme scheme);

}  // namespace vpn::ike
