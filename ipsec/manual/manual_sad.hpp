#pragma once
// The SAs of a manually keyed tunnel and how packets find them (RFC 4301 §4.4.2's
// SAD with the SPD in front), sans-IO:
//
//   inner packet ─► pick: SPD out lookup ─► usable outbound SA, or why not
//   ESP packet   ─► open: SPI ─► InboundSa::open ─► SPD in check (setkey)
//   every second ─► tick: soft lifetimes reported, hard ones end the SA
//
// Two shapes: a static key (one outbound SA for every packet, inbound SAs by SPI,
// no policies) and setkey (every SA a policy puts to use, the policies as an Spd,
// -lh/-ls/-bh/-bs lifetimes).  Manual SAs never rekey: an SA past its hard
// lifetime, byte limit or sequence space is out of use for good -- outbound
// nothing more is sealed with it (logged once), inbound it is removed, so its
// SPI becomes unknown.  pick() and open() allocate nothing; not thread-safe.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/esp/esp_drop.hpp"
#include "ipsec/esp/inbound_sa.hpp"
#include "ipsec/esp/outbound_sa.hpp"
#include "ipsec/manual/sa_life.hpp"
#include "ipsec/manual/setkey.hpp"
#include "ipsec/manual/spd.hpp"

namespace vpn::ipsec::manual {

class ManualSad {
public:
    // Static key: `out` seals every packet; `in` open by SPI; nothing is checked
    // against a policy and nothing expires (but the sequence space).
    ManualSad(std::unique_ptr<esp::OutboundSa> out, std::vector<std::unique_ptr<esp::InboundSa>> in);
    // setkey: an SA object for each SA a policy puts to use (direction known; the
    // others are not installed), the policies compiled into an Spd, lifetimes
    // counted from `now` (monotonic seconds).  Throws esp::EspError if an SA's
    // algorithm or keys do not fit the data path.
    ManualSad(const SetkeyDb& db, std::int64_t now);

    ManualSad(ManualSad&&) noexcept;
    ManualSad& operator=(ManualSad&&) noexcept;
    ~ManualSad();

    struct Pick {
        esp::OutboundSa* sa = nullptr;              // the SA to seal with, or null
        OutVerdict verdict = OutVerdict::NoPolicy;  // Protect, or why there is none
    };
    Pick pick(Bytes inner, std::int64_t now);

    enum class InStatus : std::uint8_t { Ok, EspDrop, PolicyDrop };
    struct Received {
        InStatus status = InStatus::EspDrop;
        esp::Drop drop = esp::Drop::Count;  // EspDrop: why
        Bytes inner;                        // Ok: the inner packet, inside the argument
    };
    // `esp_packet` (SPI to ICV) is decrypted in place.  PolicyDrop: authentic, but the
    // inner packet matches no `in` policy of its SA (ikev2-esp.md §6.2).
    Received open(MutBytes esp_packet, std::int64_t now);

    // A lifetime stage reached, for the log.
    struct Event {
        LifeStage stage = LifeStage::Soft;  // Soft or Hard
        bool outbound = true;
        std::uint32_t spi = 0;
        std::string where;   // the add statement ("ipsec.conf:12"), empty for a static key
        std::string reason;  // Hard: why it ended
    };
    // Call about once a second: reports each SA's soft and hard stage once and
    // removes inbound SAs past their hard stage.
    std::vector<Event> tick(std::int64_t now);

    // Buffer layout for sealing: the most any outbound SA puts before and after
    // the inner packet (SAs may differ in IV and ICV size).
    std::size_t head_room() const { return head_room_; }
    std::size_t tail_room() const { return tail_room_; }
    // The outbound SA with the largest per-packet overhead (MSS planning); null if
    // there is none.
    const esp::OutboundSa* widest_outbound() const;

    std::size_t outbound_count() const { return out_.size(); }
    std::size_t inbound_count() const { return in_.size(); }
    const esp::InboundSa* inbound(std::uint32_t spi) const;
    bool has_policies() const { return spd_.has_value(); }

private:
    struct OutEntry {
        std::unique_ptr<esp::OutboundSa> sa;
        SaLife life;
        std::size_t db_index;
        std::string where;
    };
    struct InEntry {
        std::unique_ptr<esp::InboundSa> sa;
        SaLife life;
        std::size_t db_index;
        std::string where;
    };
    OutEntry* usable_out(std::size_t db_index, std::int64_t now);
    InEntry* find_in(std::uint32_t spi);
    void sort_inbound();
    void size_rooms();

    std::vector<OutEntry> out_;
    std::vector<InEntry> in_;           // sorted by SPI
    std::optional<Spd> spd_;            // setkey only
    std::vector<std::uint8_t> usable_;  // by db index: 1 while the outbound SA may seal
    std::vector<std::size_t> out_at_;   // db index -> out_ index
    std::size_t head_room_ = 0, tail_room_ = 0;
};

}  // namespace vpn::ipsec::manual
