#pragma once
// The keys and parameters one ESP SA is built from, and the split of IKEv2 child
// KEYMAT into the two directions' keys (RFC 7296 §2.17; ikev2-esp.md §3.3).
// Key bytes live in SecureBuffers: wiped when the SA (or these structs) go away.
#include <cstddef>
#include <cstdint>

#include "common/crypto/secure_buffer.hpp"
#include "common/util/bytes.hpp"
#include "ipsec/esp/esp_algorithms.hpp"

namespace vpn::esp {

// One direction's key material.
struct SaKeys {
    Suite suite;
    crypto::SecureBuffer encr_key;   // encr_key_len(suite): GCM key | salt
    crypto::SecureBuffer integ_key;  // integ_key_len(suite.integ); empty for AEAD
};

// Checks the suite (validate()) and the key lengths; throws EspError.
SaKeys make_sa_keys(const Suite& suite, Bytes encr_key, Bytes integ_key);

// KEYMAT = Ei | Ai | Er | Ar.  "i" is the initiator of the exchange that created
// the child SA (IKE_AUTH or CREATE_CHILD_SA), not of the IKE SA: the exchange
// initiator installs `i_to_r` outbound, the responder inbound.
struct ChildSaKeys {
    SaKeys i_to_r;
    SaKeys r_to_i;
};
// Bytes of KEYMAT a suite consumes: 2 * (encr_key_len + integ_key_len).
std::size_t keymat_len(const Suite& suite);
// Throws EspError if the suite is invalid or `keymat` is shorter than
// keymat_len(suite) (longer is fine: prf+ output is cut to what is needed).
ChildSaKeys split_keymat(const Suite& suite, Bytes keymat);

// Everything an OutboundSa or InboundSa needs.
struct SaParams {
    std::uint32_t spi = 0;  // the SPI on the wire; >= 256 (RFC 4303 §2.1)
    SaKeys keys;
    bool esn = false;  // RFC 4303 §2.2.1: 64-bit counter, high half in the ICV only
    // Inbound only: anti-replay window in packets; 0 turns anti-replay off (manual
    // SAs, RFC 4303 §5).  See ReplayWindow for the limits.
    std::uint32_t replay_window = 1024;
    // Normally 0.  Outbound: the last sequence number already sent; inbound: the
    // highest one already authenticated.  For tests near 2^32 and state restore.
    std::uint64_t initial_seq = 0;
};

}  // namespace vpn::esp
