#pragma once
// SA payload proposals: what we offer (from the configured ipsec::Proposal lists),
// what a responder picks from an offer, and whether an answer is one we offered
// (RFC 7296 §3.3.6; ikev2-esp.md §1.4).
//
// Selection order: OUR proposals first, in configuration order (strongSwan's default
// as a responder), each against the peer's in their order; within a transform type
// our order too, except that a DH group equal to the peer's KE is preferred when it
// is acceptable (saves an INVALID_KE_PAYLOAD round trip).  One transform per type,
// attributes returned unchanged, the peer's proposal number kept.
#include <cstdint>
#include <optional>
#include <vector>

#include "ipsec/config/proposal.hpp"
#include "ipsec/esp/esp_algorithms.hpp"
#include "ipsec/ike/sa_payload.hpp"
#include "ipsec/ike/sk_cipher.hpp"
#include "ipsec/ike/transform_set.hpp"

namespace vpn::ike {

enum class OfferKind {
    IkeSaInit,    // IKE, SPI size 0
    IkeRekey,     // IKE, SPI size 8 (the new SPI); only proposals with `keep_prf`
    ChildAuth,    // ESP in IKE_AUTH: DH transforms removed (pitfall 12)
    ChildCreate,  // ESP in CREATE_CHILD_SA: DH kept (PFS)
};

// Our SA payload.  ESP proposals always carry ESN "no" only (libipsec has no ESN)
// and proposals with algorithms our ESP cannot run are left out.  `spi` is 8 bytes
// (IkeRekey), 4 bytes (ESP) or empty.  `keep_prf`: IkeRekey only, the current PRF
// (derive_rekeyed_ike_sa_keys refuses a change).
SaPayload make_offer(const std::vector<ipsec::Proposal>& config, OfferKind kind, Bytes spi,
                     std::uint16_t keep_prf = 0);

// The DH group of the first proposal that has one (our KE guess); 0 if none.
std::uint16_t first_dh_group(const SaPayload& offer);
// Does any proposal of `offer` allow DH `group`?
bool offers_dh_group(const SaPayload& offer, std::uint16_t group);

// Responder: the proposal to answer with (their number, the SPI left empty for the
// caller), or nullopt for NO_PROPOSAL_CHOSEN.  `ignore_dh`: IKE_AUTH, where a DH
// transform in the child proposal has no meaning.  `ke_group`: the peer's KE group
// (0 if none) for the preference above.
std::optional<Proposal> select_proposal(const SaPayload& ours, const SaPayload& theirs, bool ignore_dh,
                                        std::uint16_t ke_group = 0);

// Initiator: is `answer` exactly one proposal with one transform per type, all of
// them in the offered proposal of that number?  Returns the chosen proposal.
std::optional<Proposal> check_answer(const SaPayload& offered, const SaPayload& answer, bool ignore_dh = false);

// The negotiated transforms as the key schedule wants them.
TransformSet transform_set(const Proposal& p);
SkAlgorithms sk_algorithms(const TransformSet& t);
// nullopt if our ESP cannot run it.
std::optional<esp::Suite> esp_suite(const TransformSet& t);

}  // namespace vpn::ike
