#include "server/route_table.hpp"

#include <fmt/format.h>

#include <bit>

#include "common/util/hash_mix.hpp"

namespace vpn::server {
namespace {

constexpr std::size_t npos = ~std::size_t{0};

using util::hash_mix;

// Key layout: bit 40 = iroute, bits 32..37 = prefix length, low 32 = host-order network.
constexpr std::uint64_t kIrouteBit = std::uint64_t{1} << 40;

std::uint64_t make_key(bool iroute, int len, std::uint32_t host) {
    return (iroute ? kIrouteBit : 0) | (std::uint64_t(len) << 32) | host;
}

}  // namespace

std::string format_route(const Route& r) {
    if (r.kind == RouteKind::Address) return tun::format_ipv4(r.network);
    return fmt::format("{}/{}", tun::format_ipv4(r.network), r.prefix_len);
}

RouteTable::RouteTable(std::size_t max_routes, tun::Ipv4 server_address, std::size_t max_routes_per_client)
    : max_routes_(max_routes), server_address_(server_address), quota_(max_routes_per_client) {
    const std::size_t cap = std::bit_ceil(std::max<std::size_t>(16, max_routes * 2));
    slots_.resize(cap);
    mask_ = cap - 1;
    per_client_.reserve(max_routes);
}

std::uint64_t RouteTable::key_of(const Route& r) {
    return make_key(r.kind == RouteKind::Iroute, r.prefix_len, r.network.host());
}

Route RouteTable::route_of(std::uint64_t key) {
    Route r;
    r.kind = (key & kIrouteBit) ? RouteKind::Iroute : RouteKind::Address;
    r.prefix_len = static_cast<int>((key >> 32) & 0x3f);
    r.network = tun::Ipv4::from_host(static_cast<std::uint32_t>(key));
    return r;
}

Route RouteTable::normalise(const Route& r) const {
    Route n = r;
    if (n.kind == RouteKind::Address || n.prefix_len > 32) n.prefix_len = 32;
    if (n.prefix_len < 0) n.prefix_len = 0;
    n.network = tun::network_of(n.network, n.prefix_len);
    return n;
}

bool RouteTable::learnable(const Route& r) const {
    // mroute.c: mroute_learnable_address: all-zero only for networks shorter than /8,
    // never all-ones; multi.c also never learns the server's own address.
    if (r.network.be == 0 && !(r.kind == RouteKind::Iroute && r.prefix_len < 8)) return false;
    if (r.network.be == 0xffffffffu) return false;
    if (r.kind == RouteKind::Address && server_address_.be != 0 && r.network == server_address_) return false;
    return true;
}

std::size_t RouteTable::find(std::uint64_t key) const {
    for (std::size_t i = hash_mix(key) & mask_;; i = (i + 1) & mask_) {
        if (slots_[i].key == key) return i;
        if (slots_[i].key == kEmpty) return npos;  // never full: at most half the slots are used
    }
}

LearnResult RouteTable::preview(const Route& route, ClientId client) const {
    const Route r = normalise(route);
    if (client == kNoClient || !learnable(r)) return {LearnOp::NotLearnable};
    const std::size_t i = find(key_of(r));
    if (i != npos && slots_[i].client == client) return {LearnOp::None};
    if (routes_of(client) >= quota_) return {LearnOp::QuotaExceeded};  // multi.c: route_quota_test
    if (i != npos) return {LearnOp::Update, slots_[i].client};
    if (size_ >= max_routes_) return {LearnOp::TableFull};
    return {LearnOp::Add};
}

LearnResult RouteTable::learn(const Route& route, ClientId client) {
    const LearnResult res = preview(route, client);
    const Route r = normalise(route);
    const std::uint64_t key = key_of(r);
    if (res.op == LearnOp::Update) {
        slots_[find(key)].client = client;
        if (--per_client_[res.previous] == 0) per_client_.erase(res.previous);
        ++per_client_[client];
    } else if (res.op == LearnOp::Add) {
        std::size_t i = hash_mix(key) & mask_;
        while (slots_[i].key != kEmpty) i = (i + 1) & mask_;
        slots_[i] = Slot{key, client};
        ++size_;
        ++per_client_[client];
        if (r.kind == RouteKind::Iroute && len_refs_[r.prefix_len]++ == 0) {
            n_lens_ = 0;
            for (int l = 32; l >= 0; --l)
                if (len_refs_[l]) lens_[n_lens_++] = static_cast<std::uint8_t>(l);
        }
    }
    return res;
}

void RouteTable::erase_at(std::size_t i) {
    const Route r = route_of(slots_[i].key);
    const ClientId owner = slots_[i].client;
    if (auto it = per_client_.find(owner); it != per_client_.end() && --it->second == 0) per_client_.erase(it);
    if (r.kind == RouteKind::Iroute && --len_refs_[r.prefix_len] == 0) {
        n_lens_ = 0;
        for (int l = 32; l >= 0; --l)
            if (len_refs_[l]) lens_[n_lens_++] = static_cast<std::uint8_t>(l);
    }
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

bool RouteTable::forget(const Route& route, ClientId client) {
    const std::size_t i = find(key_of(normalise(route)));
    if (i == npos || slots_[i].client != client) return false;
    erase_at(i);
    return true;
}

std::vector<Route> RouteTable::remove_client(ClientId client) {
    std::vector<Route> gone;
    if (routes_of(client) == 0) return gone;
    // Backward shifts can move a not-yet-visited entry into a visited slot, so
    // collect first, then erase by key.
    for (const Slot& s : slots_)
        if (s.key != kEmpty && s.client == client) gone.push_back(route_of(s.key));
    for (const Route& r : gone) erase_at(find(key_of(r)));
    return gone;
}

ClientId RouteTable::lookup(tun::Ipv4 dest) const {
    const std::uint32_t host = dest.host();
    if (std::size_t i = find(make_key(false, 32, host)); i != npos) return slots_[i].client;
    for (std::size_t k = 0; k < n_lens_; ++k) {
        const int len = lens_[k];
        const std::uint32_t net = len == 0 ? 0 : host & (~std::uint32_t{0} << (32 - len));
        if (std::size_t i = find(make_key(true, len, net)); i != npos) return slots_[i].client;
    }
    return kNoClient;
}

std::size_t RouteTable::routes_of(ClientId client) const {
    auto it = per_client_.find(client);
    return it == per_client_.end() ? 0 : it->second;
}

}  // namespace vpn::server
