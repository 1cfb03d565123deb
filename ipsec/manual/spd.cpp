#include "ipsec/manual/spd.hpp"

namespace vpn::ipsec::manual {
namespace {

std::uint32_t mask_of(int prefix) {
    return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

// A tunnel endpoint of a policy names an SA end when the addresses agree and, if
// the policy gives a port (esp-udp), the ports too.
bool names(const Endpoint& policy, const Endpoint& sa) {
    return policy.addr == sa.addr && (!policy.port || policy.port == sa.port);
}

}  // namespace

Spd::Spd(const SetkeyDb& db) {
    for (const SetkeyPolicy& p : db.policies) {
        if (p.dir == PolicyDir::Out) compile(db, p, SaDirection::Outbound, out_);
        else if (p.dir == PolicyDir::In) compile(db, p, SaDirection::Inbound, in_);
    }
}

void Spd::compile(const SetkeyDb& db, const SetkeyPolicy& p, SaDirection want, std::vector<Rule>& into) {
    Rule r;
    r.src_mask = mask_of(p.src.prefix);
    r.dst_mask = mask_of(p.dst.prefix);
    r.src = p.src.addr & r.src_mask;
    r.dst = p.dst.addr & r.dst_mask;
    r.upper = p.upper;
    r.sport = p.src.port ? *p.src.port : -1;
    r.dport = p.dst.port ? *p.dst.port : -1;
    r.action = p.action;
    r.level = p.level;
    r.first = sas_.size();
    if (p.action == PolicyAction::Ipsec) {
        for (std::size_t i = 0; i < db.sas.size(); ++i) {
            const SetkeySa& s = db.sas[i];
            if (s.sa.direction != want || !names(p.tunnel_src, s.src) || !names(p.tunnel_dst, s.dst)) continue;
            // unique:N binds the policy to the SA added with -u N; other levels take
            // any SA of the endpoints (KAME; ikev2-esp.md §6.1).
            if (p.unique_id && s.reqid != p.unique_id) continue;
            sas_.push_back(i);
        }
    }
    r.count = sas_.size() - r.first;
    into.push_back(r);
}

bool Spd::matches(const Rule& r, const Flow& f) {
    if ((f.src & r.src_mask) != r.src || (f.dst & r.dst_mask) != r.dst) return false;
    if (r.upper >= 0 && f.proto != r.upper) return false;
    if (r.sport >= 0 && (!f.has_ports || f.sport != r.sport)) return false;
    if (r.dport >= 0 && (!f.has_ports || f.dport != r.dport)) return false;
    return true;
}

OutDecision Spd::outbound(const Flow& f, std::span<const std::uint8_t> usable) const {
    for (const Rule& r : out_) {
        if (!matches(r, f)) continue;
        switch (r.action) {
            case PolicyAction::Discard: return {OutVerdict::Discard};
            case PolicyAction::None: return {OutVerdict::Clear};
            case PolicyAction::Ipsec: break;
        }
        for (std::size_t k = r.first; k < r.first + r.count; ++k) {
            const std::size_t sa = sas_[k];
            if (sa < usable.size() && usable[sa]) return {OutVerdict::Protect, sa};
        }
        return {r.level == PolicyLevel::Use ? OutVerdict::Clear : OutVerdict::NoSa};
    }
    return {OutVerdict::NoPolicy};
}

InVerdict Spd::inbound(const Flow& f, std::size_t sa) const {
    for (const Rule& r : in_) {
        if (!matches(r, f)) continue;
        if (r.action != PolicyAction::Ipsec) return InVerdict::Mismatch;
        for (std::size_t k = r.first; k < r.first + r.count; ++k)
            if (sas_[k] == sa) return InVerdict::Accept;
        return InVerdict::Mismatch;
    }
    return InVerdict::NoPolicy;
}

}  // namespace vpn::ipsec::manual
