#pragma once
// The Ethernet switch of a TAP server (OpenVPN 2.6 mroute.c: mroute_extract_addr_ether,
// mroute_learnable_address; multi.c: multi_learn_addr, multi_get_instance_by_virtual_addr
// for DEV_TYPE_TAP): which client a MAC address lives behind.
//
// How 2.6 uses it, and the caller should too:
//   frame from client C:  parse it (too short: drop); learn(source, C): None, Add and
//       Update (the MAC moved to C) go on, anything else -- group or zero source,
//       quota, full table, learn-address script failed -- drops the frame (2.6: "bad
//       source address from client"); then with client-to-client: group destination
//       -> every other client and the TAP, known unicast destination -> that client,
//       else the TAP.
//   frame from the TAP:   group destination -> every client; lookup(dest) -> that
//       client; unknown unicast is dropped (2.6 does not flood).
// learn() returning Add / Update is where 2.6 runs `learn-address add|update MAC CN`
// (format_mac() prints the address as 2.6 does, "52:54:00:12:34:56@0"); with a
// learn-address script call preview() first and learn() only if it succeeded.
//
// Ageing: 2.6 keeps a learned MAC until its client goes (routes are only aged with
// --stale-routes-check, off by default).  A fixed-size table fed by whatever source
// addresses clients put in their frames needs a way to drop stale ones, so entries
// expire after `ageing_seconds` (default 300, the Linux bridge's ageing time) without
// being refreshed; a frame from the MAC (learn) or to it (lookup) refreshes it, as
// 2.6 refreshes a route's last_reference on lookup.  0 keeps 2.6's behaviour (never).
// Expired entries stop answering at once; expire() reclaims them and returns them for
// `learn-address delete`.
//
// Storage is fixed at construction (open addressing, at most half full): lookup() and
// re-learning a known MAC never allocate.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/route_table.hpp"

namespace vpn::server {

using Mac = std::array<std::uint8_t, 6>;

inline constexpr std::size_t kEthernetHeaderLen = 14;  // dest, source, ethertype

struct EthernetAddrs {
    Mac dest{};
    Mac source{};
};

// Destination and source of an Ethernet frame; nullopt when it is shorter than a header.
std::optional<EthernetAddrs> parse_ethernet(std::span<const std::uint8_t> frame);

// The I/G bit: broadcast and multicast (2.6 treats both as broadcast).
inline bool is_group(const Mac& m) { return (m[0] & 1) != 0; }
inline bool is_broadcast(const Mac& m) {
    for (auto b : m)
        if (b != 0xff) return false;
    return true;
}
// mroute.c: mroute_learnable_address for MACs: not all zeros, not all ones, not group.
bool mac_learnable(const Mac& m);

// "52:54:00:12:34:56@0" (mroute.c: mroute_addr_print; the suffix is the VLAN id).
std::string format_mac(const Mac& m, std::uint16_t vid = 0);

struct MacEntry {
    Mac mac{};
    ClientId client = kNoClient;
};

class MacTable {
public:
    // `capacity`: MACs the table can hold at once.  `max_per_client`: 2.6
    // --max-routes-per-client (MACs count as routes in TAP mode).  `ageing_seconds`: see
    // above, 0 = never.  Time is the caller's monotonic clock in seconds.
    explicit MacTable(std::size_t capacity, std::size_t max_per_client = 256, std::int64_t ageing_seconds = 300);

    // What learn() would do, without changing anything.  Op is one of None (known, same
    // client), Add (new, or expired), Update (another client's; `previous` says whose),
    // NotLearnable (group / all-zero source, kNoClient), QuotaExceeded, TableFull.
    LearnResult preview(const Mac& mac, ClientId client, std::int64_t now) const;
    // Makes `client` own `mac` and refreshes it.  Never allocates for None.
    LearnResult learn(const Mac& mac, ClientId client, std::int64_t now);

    // The client that owns `mac` (and refreshes it), or kNoClient for unknown, expired
    // and group addresses.  Never allocates.
    ClientId lookup(const Mac& mac, std::int64_t now);

    // Drops every MAC of `client` and returns them (for `learn-address delete`).
    std::vector<Mac> remove_client(ClientId client);
    // Drops every entry not refreshed for ageing_seconds and returns them.
    std::vector<MacEntry> expire(std::int64_t now);

    std::size_t size() const { return size_; }  // includes expired entries not yet reclaimed
    std::size_t capacity() const { return capacity_; }
    std::size_t macs_of(ClientId client) const;

private:
    struct Slot {
        std::uint64_t key = kEmpty;
        ClientId client = kNoClient;
        std::int64_t last_seen = 0;
    };
    static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};

    std::size_t find(std::uint64_t key) const;  // slot index or npos
    bool expired(const Slot& s, std::int64_t now) const;
    void erase_at(std::size_t i);
    void count_down(ClientId client);

    std::vector<Slot> slots_;  // power of two, at most half full
    std::size_t mask_ = 0;
    std::size_t capacity_;
    std::size_t size_ = 0;
    std::size_t quota_;
    std::int64_t ageing_;
    std::unordered_map<ClientId, std::size_t> per_client_;
};

}  // namespace vpn::server
