#pragma once
// IKE and ESP proposals written in strongSwan's syntax (swanctl.conf `proposals =` and
// `esp_proposals =`): proposals separated by ',', each a '-'-separated list of
// algorithm keywords, e.g. "aes256gcm16-prfsha256-x25519,aes256-sha256-modp2048".
// Several keywords of one kind in a proposal are alternatives, as in strongSwan.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/options.hpp"
#include "ipsec/ike/ike_constants.hpp"

namespace vpn::ipsec {

struct Transform {
    ike::TransformType type = ike::TransformType::Encr;
    std::uint16_t id = 0;
    std::uint16_t key_bits = 0;  // the Key Length attribute (AES only); 0: none sent
    bool operator==(const Transform&) const = default;
};

struct Proposal {
    std::string text;  // as written, for messages and `vpn check`
    // Grouped by type in the order ENCR, PRF, INTEG, DH, ESN; within a type, as written.
    std::vector<Transform> transforms;

    std::vector<Transform> of(ike::TransformType type) const;
};

enum class ProposalKind { Ike, Esp };

// Strong ones first, and wide enough that a peer on strongSwan's defaults (or on a
// narrower choice among them, e.g. aes128gcm16-prfsha256-x25519) finds a match.
inline constexpr std::string_view kDefaultIkeProposals =
    "aes256gcm16-aes128gcm16-prfsha256-prfsha384-x25519-ecp256-modp2048,"
    "aes256-aes128-sha256-sha384-x25519-ecp256-modp2048";
inline constexpr std::string_view kDefaultEspProposals = "aes256gcm16-aes128gcm16,aes256-aes128-sha256-sha1";

// Parses `list`.  Keywords: aes128|aes192|aes256 (CBC), aes128gcm16|aes192gcm16|
// aes256gcm16 (also ...gcm128 and ...gcm, strongSwan's aliases), 3des, chacha20poly1305;
// sha1, sha256, sha384, sha512 (integrity); prfsha1, prfsha256, prfsha384, prfsha512;
// modp2048, modp3072, modp4096, ecp256, ecp384, ecp521, x25519 (= curve25519);
// esn, noesn (ESP only).  Rules, as strongSwan applies them:
//  * AEAD and classic ciphers never share a proposal; AEAD takes no integrity;
//    a classic cipher needs one;
//  * IKE: a DH group is required, ESN refused; without a PRF an AEAD proposal is
//    an error and a classic one takes the PRFs of its integrity algorithms;
//  * ESP: no PRF; a DH group means PFS on rekey; no ESN keyword means noesn.
// Throws config::ConfigError "WHERE: 'DIRECTIVE': ..." naming the keyword and the
// proposal.  `directive` is "ike-proposals" or "esp-proposals" (or "esp-proposals
// (default)").
std::vector<Proposal> parse_proposals(std::string_view list, ProposalKind kind, const config::Origin& where,
                                      std::string_view directive);

// "aes256gcm16-prfsha256-x25519": the transforms in strongSwan's names, as parsed.
std::string proposal_name(const Proposal& p);

}  // namespace vpn::ipsec
