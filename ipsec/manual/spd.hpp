#pragma once
// The security policy database of a setkey config (RFC 4301 §4.4.1), sans-IO:
// which inner packets leave sealed with which SA, which are dropped, and whether a
// packet ESP just decrypted was allowed to arrive on its SA.
//
//   outbound(flow):  the first `-P out` policy (setkey order) whose selectors match
//                    -> discard | none | ipsec: first usable SA of its tunnel
//                       endpoints (+ reqid for unique:N), else per level
//   inbound(flow, sa): the first `-P in` policy that matches must be an ipsec one
//                    whose tunnel endpoints (+ reqid) are the SA's
//
// Semantics follow ikev2-esp.md §6 / setkey(8), with these choices:
//  * order is the order of the statements (`prio N` is accepted, not used);
//  * level `default` acts as `require` (Linux maps it to a required template);
//    `use` without a usable SA is "send in clear";
//  * `fwd` policies are not consulted: decrypted packets go to the TUN and the
//    host routes them; the `in` policy is the check (as Linux's RFC mode derives
//    fwd from in);
//  * a selector with a port matches TCP, UDP and SCTP first fragments only.
// Lookups walk the compiled rules and allocate nothing.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ipsec/manual/flow.hpp"
#include "ipsec/manual/setkey.hpp"

namespace vpn::ipsec::manual {

enum class OutVerdict : std::uint8_t {
    Protect,   // seal with SA `sa`
    Discard,   // a `discard` policy
    Clear,     // `none`, or `use` without a usable SA: the kernel would send it in clear
    NoSa,      // `require` / `unique` / `default` without a usable SA
    NoPolicy,  // no `out` policy selects the packet
};

struct OutDecision {
    OutVerdict verdict = OutVerdict::NoPolicy;
    std::size_t sa = 0;  // Protect: index into SetkeyDb::sas
};

enum class InVerdict : std::uint8_t {
    Accept,    // the first matching `in` policy is an ipsec one naming this SA
    Mismatch,  // it is discard / none, or names other tunnel endpoints or reqid
    NoPolicy,  // no `in` policy selects the packet
};

class Spd {
public:
    // Compiles db.policies; SA numbers are indices into db.sas (as given to and
    // returned by the lookups).  Only SAs whose direction matches the policy's
    // count (SetkeyDb settles directions).
    explicit Spd(const SetkeyDb& db);

    // `usable[i]`: SA i may be used now (installed, not expired).  Shorter than
    // db.sas means the missing ones are unusable.
    OutDecision outbound(const Flow& f, std::span<const std::uint8_t> usable) const;
    InVerdict inbound(const Flow& f, std::size_t sa) const;

    std::size_t out_rules() const { return out_.size(); }
    std::size_t in_rules() const { return in_.size(); }

private:
    struct Rule {
        std::uint32_t src = 0, src_mask = 0, dst = 0, dst_mask = 0;
        int upper = -1;              // -1 = any
        int sport = -1, dport = -1;  // -1 = any
        PolicyAction action = PolicyAction::Ipsec;
        PolicyLevel level = PolicyLevel::Require;
        std::size_t first = 0, count = 0;  // candidate SAs: sas_[first, first + count)
    };
    static bool matches(const Rule& r, const Flow& f);
    void compile(const SetkeyDb& db, const SetkeyPolicy& p, SaDirection want, std::vector<Rule>& into);

    std::vector<Rule> out_, in_;
    std::vector<std::size_t> sas_;  // every rule's candidate SA indices, in db order
};

}  // namespace vpn::ipsec::manual
