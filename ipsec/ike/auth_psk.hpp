#pragma once
// AUTH method 2, Shared Key Message Integrity Code (RFC 7296 §2.15):
//   AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets> )
// The pad is the 17 ASCII bytes without a terminating NUL; the secret is used as
// configured (psk_file.hpp decodes 0x... hex), never NUL-terminated.
#include "common/crypto/secure_buffer.hpp"
#include "common/util/bytes.hpp"
#include "ipsec/ike/prf.hpp"

namespace vpn::ike {

// The Authentication Data of our AUTH payload (prf output length).
crypto::SecureBuffer psk_auth_data(const Prf& prf, Bytes secret, Bytes signed_octets);

// True if `received` (the peer's Authentication Data) is right.  Compared in
// constant time; a wrong length is simply false.
bool psk_auth_verify(const Prf& prf, Bytes secret, Bytes signed_octets, Bytes received);

}  // namespace vpn::ike
