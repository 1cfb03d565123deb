#include "server/mac_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "common/util/hash_mix.hpp"

namespace vpn::server {
namespace {

constexpr std::size_t npos = ~std::size_t{0};

using util::hash_mix;

// 48 bits: never equal to the all-ones empty marker.
std::uint64_t key_of(const Mac& m) {
    std::uint64_t k = 0;
    for (auto b : m) k = (k << 8) | b;
    return k;
}

Mac mac_of(std::uint64_t k) {
    Mac m{};
    for (int i = 5; i >= 0; --i, k >>= 8) m[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(k);
    return m;
}

}  // namespace

std::optional<EthernetAddrs> parse_ethernet(std::span<const std::uint8_t> frame) {
    if (frame.size() < kEthernetHeaderLen) return std::nullopt;
    EthernetAddrs a;
    std::copy_n(frame.begin(), 6, a.dest.begin());
    std::copy_n(frame.begin() + 6, 6, a.source.begin());
    return a;
}

bool mac_learnable(const Mac& m) {
    const std::uint64_t k = key_of(m);
    return k != 0 && !is_group(m);  // all ones is a group address too
}

std::string format_mac(const Mac& m, std::uint16_t vid) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}@{}", m[0], m[1], m[2], m[3], m[4], m[5], vid);
}

MacTable::MacTable(std::size_t capacity, std::size_t max_per_client, std::int64_t ageing_seconds)
    : capacity_(capacity), quota_(max_per_client), ageing_(ageing_seconds) {
    const std::size_t cap = std::bit_ceil(std::max<std::size_t>(16, capacity * 2));
    slots_.resize(cap);
    mask_ = cap - 1;
    per_client_.reserve(std::min<std::size_t>(capacity, 4096));
}

std::size_t MacTable::find(std::uint64_t key) const {
    for (std::size_t i = hash_mix(key) & mask_;; i = (i + 1) & mask_) {
        if (slots_[i].key == key) return i;
        if (slots_[i].key == kEmpty) return npos;  // never full: at most half the slots are used
    }
}

bool MacTable::expired(const Slot& s, std::int64_t now) const { return ageing_ > 0 && now - s.last_seen >= ageing_; }

std::size_t MacTable::macs_of(ClientId client) const {
    auto it = per_client_.find(client);
    return it == per_client_.end() ? 0 : it->second;
}

void MacTable::count_down(ClientId client) {
    if (auto it = per_client_.find(client); it != per_client_.end() && --it->second == 0) per_client_.erase(it);
}

LearnResult MacTable::preview(const Mac& mac, ClientId client, std::int64_t now) const {
    if (client == kNoClient || !mac_learnable(mac)) return {LearnOp::NotLearnable};
    const std::size_t i = find(key_of(mac));
    if (i != npos) {
        const Slot& s = slots_[i];
        const bool stale = expired(s, now);
        if (s.client == client) return {stale ? LearnOp::Add : LearnOp::None};  // already counted for it
        if (macs_of(client) >= quota_) return {LearnOp::QuotaExceeded};
        // An expired entry is gone as far as anyone can tell: 2.6 learns it afresh.
        return stale ? LearnResult{LearnOp::Add} : LearnResult{LearnOp::Update, s.client};
    }
    if (macs_of(client) >= quota_) return {LearnOp::QuotaExceeded};
    if (size_ >= capacity_) return {LearnOp::TableFull};
    return {LearnOp::Add};
}

LearnResult MacTable::learn(const Mac& mac, ClientId client, std::int64_t now) {
    const LearnResult res = preview(mac, client, now);
    if (res.op != LearnOp::None && res.op != LearnOp::Add && res.op != LearnOp::Update) return res;
    const std::uint64_t key = key_of(mac);
    std::size_t i = find(key);
    if (i == npos) {
        i = hash_mix(key) & mask_;
        while (slots_[i].key != kEmpty) i = (i + 1) & mask_;
        slots_[i] = Slot{key, client, now};
        ++size_;
        ++per_client_[client];
        return res;
    }
    Slot& s = slots_[i];
    if (s.client != client) {
        count_down(s.client);
        ++per_client_[client];
        s.client = client;
    }
    s.last_seen = now;
    return res;
}

ClientId MacTable::lookup(const Mac& mac, std::int64_t now) {
    if (is_group(mac)) return kNoClient;
    const std::size_t i = find(key_of(mac));
    if (i == npos || expired(slots_[i], now)) return kNoClient;
    slots_[i].last_seen = now;
    return slots_[i].client;
}

void MacTable::erase_at(std::size_t i) {
    count_down(slots_[i].client);
    // Backward-shift deletion keeps linear-probe chains intact without tombstones.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask_; slots_[j].key != kEmpty; j = (j + 1) & mask_) {
        const std::size_t home = hash_mix(slots_[j].key) & mask_;
        // Move j into the hole unless its home lies cyclically in (hole, j].
        const bool home_in_between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!home_in_between) {
            slots_[hole] = slots_[j];
            hole = j;
        }
    }
    slots_[hole] = Slot{};
    --size_;
}

std::vector<Mac> MacTable::remove_client(ClientId client) {
    std::vector<Mac> gone;
    if (macs_of(client) == 0) return gone;
    // Backward shifts can move a not-yet-visited entry into a visited slot, so collect
    // first, then erase by key.
    for (const Slot& s : slots_)
        if (s.key != kEmpty && s.client == client) gone.push_back(mac_of(s.key));
    for (const Mac& m : gone) erase_at(find(key_of(m)));
    return gone;
}

std::vector<MacEntry> MacTable::expire(std::int64_t now) {
    std::vector<MacEntry> gone;
    if (ageing_ <= 0) return gone;
    for (const Slot& s : slots_)
        if (s.key != kEmpty && expired(s, now)) gone.push_back(MacEntry{mac_of(s.key), s.client});
    for (const MacEntry& e : gone) erase_at(find(key_of(e.mac)));
    return gone;
}

}  // namespace vpn::server
