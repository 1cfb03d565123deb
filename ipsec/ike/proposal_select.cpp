#include "ipsec/ike/proposal_select.hpp"

#include <algorithm>

namespace vpn::ike {

namespace {

constexpr std::uint8_t kType[] = {1, 2, 3, 4, 5};  // ENCR PRF INTEG DH ESN

bool esp_runs(const ipsec::Proposal& p) {
    for (const auto& t : p.transforms) {
        if (t.type == TransformType::Encr && !esp::encr_from_ike(t.id)) return false;
        if (t.type == TransformType::Integ && t.id != integ::kNone && !esp::integ_from_ike(t.id)) return false;
    }
    return true;
}

std::vector<const Transform*> of_type(const Proposal& p, std::uint8_t type) {
    std::vector<const Transform*> v;
    for (const auto& t : p.transforms)
        if (t.type == type && !t.unknown_attributes) v.push_back(&t);
    return v;
}

bool same(const Transform& a, const Transform& b) {
    return a.type == b.type && a.id == b.id && a.key_length == b.key_length;
}

bool has_unknown_type(const Proposal& p) {
    return std::any_of(p.transforms.begin(), p.transforms.end(), [](const Transform& t) { return t.type < 1 || t.type > 5; });
}

// The types a proposal of `proto` must end up with (§3.3.3).
bool complete(const Proposal& p) {
    auto has = [&](TransformType t) { return !of_type(p, std::uint8_t(t)).empty(); };
    if (!has(TransformType::Encr)) return false;
    if (p.protocol == ProtocolId::Ike) return has(TransformType::Prf) && has(TransformType::Dh);
    return has(TransformType::Esn);
}

std::optional<Proposal> match(const Proposal& ours, const Proposal& theirs, bool ignore_dh, std::uint16_t ke) {
    if (ours.protocol != theirs.protocol || has_unknown_type(theirs)) return std::nullopt;
    Proposal out;
    out.number = theirs.number;
    out.protocol = theirs.protocol;
    for (auto type : kType) {
        if (ignore_dh && type == std::uint8_t(TransformType::Dh)) continue;
        auto o = of_type(ours, type);
        auto t = of_type(theirs, type);
        if (o.empty() && t.empty()) continue;
        auto none_in = [&](const std::vector<const Transform*>& v) {
            return std::any_of(v.begin(), v.end(), [](const Transform* x) { return x->id == 0; });
        };
        if (o.empty()) {
            // They offer a type we do not use: acceptable only through its NONE.
            if ((type == 3 || type == 4) && none_in(t)) continue;
            return std::nullopt;
        }
        if (t.empty()) {
            // No PFS on their side: fine for ESP, where our DH is optional.
            if (type == 4 && ours.protocol == ProtocolId::Esp) continue;
            if ((type == 3 || type == 4) && none_in(o)) continue;
            return std::nullopt;
        }
        const Transform* pick = nullptr;
        if (type == 4 && ke != 0)
            for (auto* x : o)
                if (x->id == ke && std::any_of(t.begin(), t.end(), [&](auto* y) { return same(*x, *y); })) pick = x;
        for (auto* x : o) {
            if (pick) break;
            if (std::any_of(t.begin(), t.end(), [&](auto* y) { return same(*x, *y); })) pick = x;
        }
        if (!pick) return std::nullopt;
        if (pick->id == 0 && (type == 3 || type == 4)) continue;  // NONE is the same as absent
        Transform chosen = *pick;
        chosen.unknown_attributes = false;
        out.transforms.push_back(chosen);
    }
    if (!complete(out)) return std::nullopt;
    return out;
}

}  // namespace

SaPayload make_offer(const std::vector<ipsec::Proposal>& config, OfferKind kind, Bytes spi, std::uint16_t keep_prf) {
    SaPayload sa;
    const bool ike = kind == OfferKind::IkeSaInit || kind == OfferKind::IkeRekey;
    for (const auto& c : config) {
        if (!ike && !esp_runs(c)) continue;
        Proposal p;
        p.number = static_cast<std::uint8_t>(sa.proposals.size() + 1);
        p.protocol = ike ? ProtocolId::Ike : ProtocolId::Esp;
        p.spi_size = static_cast<std::uint8_t>(std::min<std::size_t>(spi.size(), 8));
        std::copy_n(spi.begin(), p.spi_size, p.spi.begin());
        bool prf_kept = false;
        for (const auto& t : c.transforms) {
            if (t.type == TransformType::Esn) continue;
            if (kind == OfferKind::ChildAuth && t.type == TransformType::Dh) continue;
            if (kind == OfferKind::IkeRekey && t.type == TransformType::Prf) {
                if (t.id != keep_prf) continue;
                prf_kept = true;
            }
            p.transforms.push_back({std::uint8_t(t.type), t.id, t.key_bits, false});
        }
        if (kind == OfferKind::IkeRekey && !prf_kept) continue;
        if (!ike) p.transforms.push_back({std::uint8_t(TransformType::Esn), esn::kNo, 0, false});
        sa.proposals.push_back(std::move(p));
    }
    return sa;
}

std::uint16_t first_dh_group(const SaPayload& offer) {
    for (const auto& p : offer.proposals)
        for (const auto& t : p.transforms)
            if (t.type == std::uint8_t(TransformType::Dh) && t.id != 0) return t.id;
    return 0;
}

bool offers_dh_group(const SaPayload& offer, std::uint16_t group) {
    for (const auto& p : offer.proposals)
        for (const auto& t : p.transforms)
            if (t.type == std::uint8_t(TransformType::Dh) && t.id == group) return true;
    return false;
}

std::optional<Proposal> select_proposal(const SaPayload& ours, const SaPayload& theirs, bool ignore_dh,
                                        std::uint16_t ke_group) {
    for (const auto& o : ours.proposals)
        for (const auto& t : theirs.proposals)
            if (auto m = match(o, t, ignore_dh, ke_group)) return m;
    return std::nullopt;
}

std::optional<Proposal> check_answer(const SaPayload& offered, const SaPayload& answer, bool ignore_dh) {
    if (answer.proposals.size() != 1) return std::nullopt;
    const Proposal& a = answer.proposals[0];
    auto it = std::find_if(offered.proposals.begin(), offered.proposals.end(),
                           [&](const Proposal& p) { return p.number == a.number; });
    if (it == offered.proposals.end() || it->protocol != a.protocol) return std::nullopt;
    Proposal out = a;
    out.transforms.clear();
    for (auto type : kType) {
        auto got = of_type(a, type);
        if (ignore_dh && type == std::uint8_t(TransformType::Dh)) continue;
        if (got.size() > 1) return std::nullopt;
        auto offered_t = of_type(*it, type);
        if (got.empty()) {
            // Absent is fine where it means NONE (INTEG with AEAD, no PFS), or if we
            // did not offer the type at all.
            bool none_ok = offered_t.empty() || std::any_of(offered_t.begin(), offered_t.end(),
                                                            [](const Transform* x) { return x->id == 0; });
            if (!none_ok) return std::nullopt;
            continue;
        }
        if (!std::any_of(offered_t.begin(), offered_t.end(), [&](const Transform* x) { return same(*x, *got[0]); }))
            return std::nullopt;
        if (got[0]->id == 0 && (type == 3 || type == 4)) continue;
        out.transforms.push_back(*got[0]);
    }
    if (std::any_of(a.transforms.begin(), a.transforms.end(), [](const Transform& t) { return t.type < 1 || t.type > 5; }))
        return std::nullopt;
    if (!complete(out)) return std::nullopt;
    return out;
}

TransformSet transform_set(const Proposal& p) {
    TransformSet t;
    for (const auto& x : p.transforms) {
        switch (static_cast<TransformType>(x.type)) {
            case TransformType::Encr: t.encr = x.id; t.encr_key_bits = x.key_length; break;
            case TransformType::Prf: t.prf = x.id; break;
            case TransformType::Integ: t.integ = x.id; break;
            case TransformType::Dh: t.dh = x.id; break;
            case TransformType::Esn: t.esn = x.id == esn::kYes; break;
        }
    }
    return t;
}

SkAlgorithms sk_algorithms(const TransformSet& t) { return {t.encr, t.encr_key_bits, t.integ}; }

std::optional<esp::Suite> esp_suite(const TransformSet& t) {
    auto e = esp::encr_from_ike(t.encr);
    if (!e) return std::nullopt;
    esp::Suite s;
    s.encr = *e;
    s.encr_bits = *e == esp::Encr::TripleDesCbc ? 192 : *e == esp::Encr::Null ? 0 : t.encr_key_bits;
    if (t.integ == integ::kNone) {
        s.integ = esp::Integ::None;
    } else {
        auto i = esp::integ_from_ike(t.integ);
        if (!i) return std::nullopt;
        s.integ = *i;
    }
    try {
        esp::validate(s);
    } catch (const esp::EspError&) {
        return std::nullopt;
    }
    return s;
}

}  // namespace vpn::ike
