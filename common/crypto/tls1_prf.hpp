#pragma once
// The TLS 1.0/1.1 pseudo-random function (RFC 2246 §5): P_MD5 over the first half of
// the secret XOR P_SHA1 over the second half (the halves share a byte when the
// secret's length is odd).  OpenVPN's legacy data-channel key derivation is built on
// it (openvpn-wire.md §7.2; crypto_openssl.c: ssl_tls1_PRF).  Computed by OpenSSL's
// "TLS1-PRF" KDF with the MD5-SHA1 digest, which FIPS configurations refuse.
#include "common/util/bytes.hpp"

namespace vpn::crypto {

// Fill `out` with PRF(secret, seed).  `seed` is label | seeds, concatenated by the
// caller.  Throws CryptoError if OpenSSL refuses (e.g. FIPS mode, empty secret or
// seed, empty output).
void tls1_prf(Bytes secret, Bytes seed, MutBytes out);

}  // namespace vpn::crypto
