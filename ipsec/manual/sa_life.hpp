#pragma once
// The life of a manually keyed SA (setkey -lh/-ls seconds, -bh/-bs bytes): manual
// SAs never rekey, so reaching a hard limit ends the SA (nothing more sent or
// accepted on it) and a soft one is only worth a log line.  Sans-IO: the caller
// feeds time and the SA's byte counter and reports each stage once.
#include <cstdint>
#include <optional>

namespace vpn::ipsec::manual {

struct Lifetime {
    std::uint64_t hard_seconds = 0, soft_seconds = 0;  // 0 = no limit
    std::uint64_t hard_bytes = 0, soft_bytes = 0;
    bool limited() const { return hard_seconds || soft_seconds || hard_bytes || soft_bytes; }
};

enum class LifeStage : std::uint8_t { Live, Soft, Hard };

// The stage an SA added at `added` (seconds) is in at `now` having carried `bytes`.
LifeStage life_stage(const Lifetime& l, std::int64_t added, std::int64_t now, std::uint64_t bytes);

class SaLife {
public:
    SaLife(Lifetime l, std::int64_t added) : limits_(l), added_(added) {}

    // Cheap per-packet check: has the SA reached a hard limit (or been ended)?
    bool ended(std::int64_t now, std::uint64_t bytes) const {
        if (ended_) return true;
        if (!limits_.limited()) return false;
        return (limits_.hard_bytes && bytes >= limits_.hard_bytes) ||
               (limits_.hard_seconds && now - added_ >= static_cast<std::int64_t>(limits_.hard_seconds));
    }
    // Ends the SA now, whatever its limits (e.g. its sequence numbers ran out).
    void end() { ended_ = true; }

    // The stage reached since the last call, once each (Soft before Hard; a jump
    // straight to Hard reports Hard only); nullopt when nothing changed.
    std::optional<LifeStage> advance(std::int64_t now, std::uint64_t bytes);

    const Lifetime& limits() const { return limits_; }
    // Why the SA ended, for its log line: the hard lifetime, the byte limit, or
    // (end() called) its sequence numbers.
    const char* hard_reason(std::int64_t now, std::uint64_t bytes) const;

private:
    Lifetime limits_;
    std::int64_t added_;
    LifeStage reported_ = LifeStage::Live;
    bool ended_ = false;
};

}  // namespace vpn::ipsec::manual
