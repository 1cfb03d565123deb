#pragma once
// Which key a new certificate gets: ECDSA P-256 by default, RSA 2048/3072/4096 on
// request (easy-rsa: EASYRSA_ALGO ec/rsa, EASYRSA_KEY_SIZE).
#include <string>

#include "pki/openssl_types.hpp"

namespace vpn::pki {

struct KeySpec {
    enum class Algo { EcP256, Rsa };
    Algo algo = Algo::EcP256;
    int rsa_bits = 0;  // 2048, 3072 or 4096 when algo == Rsa

    static KeySpec ec() { return {}; }
    // Throws PkiError("--rsa BITS: expected 2048, 3072 or 4096") for other sizes.
    static KeySpec rsa(int bits);
    // "EC P-256", "RSA 3072".
    std::string describe() const;
};

// A fresh key pair from OpenSSL's default DRBG.  Throws PkiError on failure.
EvpPkeyPtr generate_key(const KeySpec& spec);

// "EC P-256" / "RSA 2048" / "ED25519" ... for an existing key, for `list` and errors.
std::string describe_key(EVP_PKEY* key);

}  // namespace vpn::pki
