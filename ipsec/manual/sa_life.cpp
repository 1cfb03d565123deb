#include "ipsec/manual/sa_life.hpp"

namespace vpn::ipsec::manual {
namespace {

bool reached(std::uint64_t limit, std::uint64_t value) { return limit && value >= limit; }

}  // namespace

LifeStage life_stage(const Lifetime& l, std::int64_t added, std::int64_t now, std::uint64_t bytes) {
    const std::uint64_t age = now > added ? static_cast<std::uint64_t>(now - added) : 0;
    if (reached(l.hard_seconds, age) || reached(l.hard_bytes, bytes)) return LifeStage::Hard;
    if (reached(l.soft_seconds, age) || reached(l.soft_bytes, bytes)) return LifeStage::Soft;
    return LifeStage::Live;
}

std::optional<LifeStage> SaLife::advance(std::int64_t now, std::uint64_t bytes) {
    const LifeStage s = ended_ ? LifeStage::Hard : life_stage(limits_, added_, now, bytes);
    if (s <= reported_) return std::nullopt;
    reported_ = s;
    if (s == LifeStage::Hard) ended_ = true;
    return s;
}

const char* SaLife::hard_reason(std::int64_t now, std::uint64_t bytes) const {
    const std::uint64_t age = now > added_ ? static_cast<std::uint64_t>(now - added_) : 0;
    if (reached(limits_.hard_seconds, age)) return "hard lifetime (-lh) reached";
    if (reached(limits_.hard_bytes, bytes)) return "hard byte limit (-bh) reached";
    return "sequence numbers used up";
}

}  // namespace vpn::ipsec::manual
