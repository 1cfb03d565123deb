#include "ipsec/ike/auth_psk.hpp"

#include <openssl/crypto.h>

namespace vpn::ike {

namespace {
constexpr char kKeyPad[] = "Key Pad for IKEv2";
}

crypto::SecureBuffer psk_auth_data(const Prf& prf, Bytes secret, Bytes signed_octets) {
    // sizeof - 1: the NUL is not part of the pad.
    auto pad_key = prf(secret, Bytes(reinterpret_cast<const std::uint8_t*>(kKeyPad), sizeof kKeyPad - 1));
    return prf(pad_key.span(), signed_octets);
}

bool psk_auth_verify(const Prf& prf, Bytes secret, Bytes signed_octets, Bytes received) {
    auto expected = psk_auth_data(prf, secret, signed_octets);
    if (received.size() != expected.size()) return false;
    return CRYPTO_memcmp(expected.data(), received.data(), expected.size()) == 0;
}

}  // namespace vpn::ike
