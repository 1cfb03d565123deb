#include "ipsec/manual/manual_sad.hpp"

#include <algorithm>

#include "ipsec/esp/esp_algorithms.hpp"
#include "ipsec/manual/flow.hpp"
#include "ipsec/manual/sa_params.hpp"

namespace vpn::ipsec::manual {
namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

Lifetime lifetime_of(const SetkeySa& s) { return {s.hard_seconds, s.soft_seconds, s.hard_bytes, s.soft_bytes}; }

}  // namespace

ManualSad::ManualSad(std::unique_ptr<esp::OutboundSa> out, std::vector<std::unique_ptr<esp::InboundSa>> in) {
    out_.push_back({std::move(out), SaLife({}, 0), 0, {}});
    usable_.assign(1, 1);
    out_at_.assign(1, 0);
    for (auto& sa : in) in_.push_back({std::move(sa), SaLife({}, 0), 0, {}});
    sort_inbound();
    size_rooms();
}

ManualSad::ManualSad(const SetkeyDb& db, std::int64_t now) : spd_(std::in_place, db) {
    usable_.assign(db.sas.size(), 0);
    out_at_.assign(db.sas.size(), kNone);
    for (std::size_t i = 0; i < db.sas.size(); ++i) {
        const SetkeySa& s = db.sas[i];
        const esp::SaParams p = sa_params(s.sa);
        const SaLife life(lifetime_of(s), now);
        if (s.sa.direction == SaDirection::Outbound) {
            out_at_[i] = out_.size();
            usable_[i] = 1;
            out_.push_back({std::make_unique<esp::OutboundSa>(p), life, i, s.origin.str()});
        } else if (s.sa.direction == SaDirection::Inbound) {
            in_.push_back({std::make_unique<esp::InboundSa>(p), life, i, s.origin.str()});
        }
    }
    sort_inbound();
    size_rooms();
}

ManualSad::ManualSad(ManualSad&&) noexcept = default;
ManualSad& ManualSad::operator=(ManualSad&&) noexcept = default;
ManualSad::~ManualSad() = default;

void ManualSad::sort_inbound() {
    std::sort(in_.begin(), in_.end(), [](const InEntry& a, const InEntry& b) { return a.sa->spi() < b.sa->spi(); });
    // Two inbound SAs with one SPI cannot be told apart on the wire.
    for (std::size_t i = 1; i < in_.size(); ++i) {
        if (in_[i].sa->spi() == in_[i - 1].sa->spi())
            throw esp::EspError("two inbound SAs with SPI " + std::to_string(in_[i].sa->spi()) + " (" +
                                in_[i - 1].where + ", " + in_[i].where + ")");
    }
}

void ManualSad::size_rooms() {
    for (const OutEntry& e : out_) {
        head_room_ = std::max(head_room_, e.sa->head_room());
        tail_room_ = std::max(tail_room_, e.sa->tail_room());
    }
}

const esp::OutboundSa* ManualSad::widest_outbound() const {
    const esp::OutboundSa* w = nullptr;
    for (const OutEntry& e : out_) {
        if (!w || e.sa->head_room() + e.sa->tail_room() > w->head_room() + w->tail_room()) w = e.sa.get();
    }
    return w;
}

ManualSad::OutEntry* ManualSad::usable_out(std::size_t db_index, std::int64_t now) {
    OutEntry& e = out_[out_at_[db_index]];
    if (!e.life.ended(now, e.sa->bytes()) && !e.sa->exhausted()) return &e;
    // Out of use for good; tick() logs it.
    e.life.end();
    usable_[db_index] = 0;
    return nullptr;
}

ManualSad::Pick ManualSad::pick(Bytes inner, std::int64_t now) {
    if (!spd_) {
        if (usable_[0] && usable_out(0, now)) return {out_[0].sa.get(), OutVerdict::Protect};
        return {nullptr, OutVerdict::NoSa};
    }
    const auto flow = flow_of(inner);
    if (!flow) return {nullptr, OutVerdict::NoPolicy};
    // Each round either finds a live SA or takes one more out of use, so this ends.
    for (std::size_t round = 0; round <= out_.size(); ++round) {
        const OutDecision d = spd_->outbound(*flow, usable_);
        if (d.verdict != OutVerdict::Protect) return {nullptr, d.verdict};
        if (OutEntry* e = usable_out(d.sa, now)) return {e->sa.get(), OutVerdict::Protect};
    }
    return {nullptr, OutVerdict::NoSa};
}

ManualSad::InEntry* ManualSad::find_in(std::uint32_t spi) {
    auto it = std::lower_bound(in_.begin(), in_.end(), spi,
                               [](const InEntry& e, std::uint32_t s) { return e.sa->spi() < s; });
    return it != in_.end() && it->sa->spi() == spi ? &*it : nullptr;
}

const esp::InboundSa* ManualSad::inbound(std::uint32_t spi) const {
    for (const InEntry& e : in_)
        if (e.sa->spi() == spi) return e.sa.get();
    return nullptr;
}

ManualSad::Received ManualSad::open(MutBytes esp_packet, std::int64_t now) {
    if (esp_packet.size() < esp::kEspHeaderLen) return {InStatus::EspDrop, esp::Drop::Truncated, {}};
    InEntry* e = find_in(load_be32(esp_packet.data()));
    // An SA past its hard limit is as good as removed (tick() removes it).
    if (!e || e->life.ended(now, e->sa->bytes())) return {InStatus::EspDrop, esp::Drop::UnknownSpi, {}};
    const auto opened = e->sa->open(esp_packet);
    if (!opened.ok) return {InStatus::EspDrop, opened.reason, {}};
    if (spd_) {
        const auto flow = flow_of(opened.inner);
        if (!flow || spd_->inbound(*flow, e->db_index) != InVerdict::Accept) return {InStatus::PolicyDrop};
    }
    return {InStatus::Ok, esp::Drop::Count, opened.inner};
}

std::vector<ManualSad::Event> ManualSad::tick(std::int64_t now) {
    std::vector<Event> events;
    for (OutEntry& e : out_) {
        if (e.sa->exhausted()) e.life.end();
        const auto stage = e.life.advance(now, e.sa->bytes());
        if (!stage) continue;
        events.push_back({*stage, true, e.sa->spi(), e.where,
                          *stage == LifeStage::Hard ? e.life.hard_reason(now, e.sa->bytes()) : ""});
        if (*stage == LifeStage::Hard) usable_[e.db_index] = 0;
    }
    for (InEntry& e : in_) {
        const auto stage = e.life.advance(now, e.sa->bytes());
        if (!stage) continue;
        events.push_back({*stage, false, e.sa->spi(), e.where,
                          *stage == LifeStage::Hard ? e.life.hard_reason(now, e.sa->bytes()) : ""});
    }
    // Inbound SAs past their hard stage go: their keys are wiped, their SPI unknown.
    std::erase_if(in_, [&](const InEntry& e) { return e.life.ended(now, e.sa->bytes()); });
    return events;
}

}  // namespace vpn::ipsec::manual
