#pragma once
// The octets an AUTH payload signs or MACs (RFC 7296 §2.15):
//   InitiatorSignedOctets = RealMessage1 | NonceRData | prf(SK_pi, IDi')
//   ResponderSignedOctets = RealMessage2 | NonceIData | prf(SK_pr, IDr')
// RealMessage1/2 are the IKE_SA_INIT request/response exactly as sent (from the
// IKE header on: no UDP header, no non-ESP marker); the nonce is the *other*
// side's Nonce payload body; IDx' is the ID payload body (Identity::payload_body).
// Both sides compute both: their own to build AUTH, the peer's to check it.
#include <cstdint>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/ike/key_schedule.hpp"
#include "ipsec/ike/prf.hpp"

namespace vpn::ike {

// Which side's AUTH: the IKE SA initiator's (in the IKE_AUTH request) or the
// responder's.
enum class AuthRole { Initiator, Responder };

// What the IKE_SA_INIT exchange left behind for the AUTH computation.  Views:
// the caller keeps the bytes alive.
struct SaInitTranscript {
    Bytes request;   // RealMessage1
    Bytes response;  // RealMessage2
    Bytes ni, nr;    // Nonce payload bodies
};

// RealMessage | nonce | prf(sk_p, id_body), from the parts.
std::vector<std::uint8_t> auth_signed_octets(const Prf& prf, Bytes real_message, Bytes peer_nonce, Bytes sk_p,
                                             Bytes id_body);

// The signed octets of `who`, picking message, nonce and SK_pi/SK_pr by role.
std::vector<std::uint8_t> auth_signed_octets(const Prf& prf, const IkeSaKeys& keys, AuthRole who,
                                             const SaInitTranscript& init, Bytes id_body);

}  // namespace vpn::ike
