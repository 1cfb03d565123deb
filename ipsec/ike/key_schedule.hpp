#pragma once
// IKEv2 key derivation (RFC 7296 §2.14, §2.17, §2.18), checked byte for byte against
// strongSwan 5.9.8 (shared/protocol/ikev2-esp.md §3):
//
//   SKEYSEED  = prf(Ni | Nr, g^ir)
//   SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
//   KEYMAT    = prf+(SK_d, [g^ir (new) |] Ni | Nr)  ->  Ei | Ai | Er | Ar
//   SKEYSEED' = prf_old(SK_d (old), g^ir (new) | Ni | Nr)         (IKE SA rekey)
//
// Ni/Nr are Nonce payload bodies, SPIs the 8-byte IKE SPIs, g^ir the shared secret
// with its full fixed length (dh_group.hpp gives it so).  In a CREATE_CHILD_SA, "i"
// is whoever sent that request, not the original initiator of the IKE SA.
#include <cstdint>

#include "common/crypto/secure_buffer.hpp"
#include "common/util/bytes.hpp"
#include "ipsec/ike/outcome.hpp"
#include "ipsec/ike/prf.hpp"
#include "ipsec/ike/transform_set.hpp"

namespace vpn::ike {

struct IkeSaKeys {
    crypto::SecureBuffer sk_d;
    crypto::SecureBuffer sk_ai, sk_ar;  // empty with an AEAD cipher
    crypto::SecureBuffer sk_ei, sk_er;  // salt included (GCM: key | 4 bytes)
    crypto::SecureBuffer sk_pi, sk_pr;
};

// "i" = the initiator of the exchange that created the child SA: Ei/Ai protect
// initiator-to-responder traffic (the initiator's outbound SA), Er/Ar the reverse.
struct ChildSaKeys {
    crypto::SecureBuffer ei, ai, er, ar;  // ai/ar empty with an AEAD cipher
};

// SKEYSEED of a new IKE SA.
crypto::SecureBuffer ike_skeyseed(const Prf& prf, Bytes shared_secret, Bytes ni, Bytes nr);

// SKEYSEED of the IKE SA that replaces one with `old_sk_d`; `old_prf` is that SA's PRF.
crypto::SecureBuffer rekey_skeyseed(const Prf& old_prf, Bytes old_sk_d, Bytes shared_secret, Bytes ni, Bytes nr);

// Cut prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) into the seven keys, sized by `t`.
// `expand` is the PRF that runs prf+ (the SA's own, or the old one on rekey).
// Fails on unsupported transforms or SPIs that are not 8 bytes.
Outcome<IkeSaKeys> ike_sa_keys(const Prf& expand, const TransformSet& t, Bytes skeyseed, Bytes ni, Bytes nr,
                               Bytes spi_i, Bytes spi_r);

// SKEYSEED and the keys of a new IKE SA (IKE_SA_INIT), PRF taken from `t`.
Outcome<IkeSaKeys> derive_ike_sa_keys(const TransformSet& t, Bytes shared_secret, Bytes ni, Bytes nr, Bytes spi_i,
                                      Bytes spi_r);

// The keys of the IKE SA negotiated by a rekeying CREATE_CHILD_SA: Ni/Nr and the
// SPIs are that exchange's (SPIs from the SA proposals).  RFC 7296 §2.18 runs prf+
// with the new SA's PRF, strongSwan with the old one; both are the same unless the
// PRF changes, which is therefore refused here (the proposal code never offers it).
Outcome<IkeSaKeys> derive_rekeyed_ike_sa_keys(const Prf& old_prf, Bytes old_sk_d, const TransformSet& t,
                                              Bytes shared_secret, Bytes ni, Bytes nr, Bytes spi_i, Bytes spi_r);

// Child SA keys from the IKE SA's PRF and SK_d.  `t` is the ESP transform set;
// `pfs_shared_secret` is the new g^ir of a CREATE_CHILD_SA with KE, empty otherwise.
// The nonces are those of the IKE_SA_INIT (first child) or of the CREATE_CHILD_SA.
Outcome<ChildSaKeys> derive_child_sa_keys(const Prf& prf, Bytes sk_d, const TransformSet& t,
                                          Bytes pfs_shared_secret, Bytes ni, Bytes nr);

}  // namespace vpn::ike
