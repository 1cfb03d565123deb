#pragma once
// The server's virtual routing table (OpenVPN 2.6 multi.c: multi_learn_addr,
// multi_get_instance_by_virtual_addr; mroute.c): which client owns a tunnel address.
// Two kinds of routes: a client's virtual address (host route) and its iroutes
// (networks behind it).  A lookup tries the host routes first, then the iroute
// prefix lengths in use from longest to shortest, as 2.6 does.
//
// Storage is fixed at construction (open-addressing tables), so lookup() and
// source_allowed() never allocate; learning and removal may.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "tun/ipv4.hpp"

namespace vpn::server {

using ClientId = std::uint32_t;
inline constexpr ClientId kNoClient = 0xffffffffu;

enum class RouteKind : std::uint8_t { Address, Iroute };

struct Route {
    RouteKind kind = RouteKind::Address;
    tun::Ipv4 network{0};  // host bits are cleared by learn()
    int prefix_len = 32;   // always 32 for Address
    friend bool operator==(const Route&, const Route&) = default;
};

// As the learn-address script sees it (mroute.c: mroute_addr_print): "10.8.0.6" for an
// address, "10.1.0.0/24" for an iroute (a /32 iroute prints "/32").
std::string format_route(const Route& r);

enum class LearnOp {
    None,          // already owned by this client: nothing to do, no script
    Add,           // new route: run `learn-address add ADDR CN`
    Update,        // was another client's: run `learn-address update ADDR CN`
    NotLearnable,  // 2.6 refuses it (mroute_learnable_address, or the server's own address)
    QuotaExceeded, // the client already owns max_routes_per_client routes
    TableFull,     // no room left in the preallocated table
};

struct LearnResult {
    LearnOp op = LearnOp::None;
    ClientId previous = kNoClient;  // Update: the client that lost the route
};

class RouteTable {
public:
    // `max_routes`: addresses + iroutes the table can ever hold at once.
    // `server_address`: the server's own tunnel address (never learnable; 0 = none).
    // `max_routes_per_client`: 2.6 --max-routes-per-client (default 256).
    explicit RouteTable(std::size_t max_routes, tun::Ipv4 server_address = tun::Ipv4{0},
                        std::size_t max_routes_per_client = 256);

    // What learn() would do, without changing anything: call it, run the learn-address
    // script for Add/Update, and call learn() only if the script succeeded (2.6 does not
    // learn a route whose script failed).
    LearnResult preview(const Route& r, ClientId client) const;
    // Makes `client` own `r` (replacing another owner).  Returns what happened.
    LearnResult learn(const Route& r, ClientId client);

    // Drops one route if `client` owns it; true when it did.
    bool forget(const Route& r, ClientId client);
    // Drops every route of `client` and returns them (for `learn-address delete`).
    std::vector<Route> remove_client(ClientId client);

    // The client a packet to `dest` goes to, or kNoClient (server address, unknown).
    // Never allocates.
    ClientId lookup(tun::Ipv4 dest) const;
    // 2.6's source check: may `client` send from `src`?  True exactly when lookup(src)
    // is `client` (so a longer iroute of another client wins over this one's).
    bool source_allowed(ClientId client, tun::Ipv4 src) const { return client != kNoClient && lookup(src) == client; }

    std::size_t size() const { return size_; }
    std::size_t routes_of(ClientId client) const;

private:
    struct Slot {
        std::uint64_t key = kEmpty;
        ClientId client = kNoClient;
    };
    static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};

    static std::uint64_t key_of(const Route& r);
    static Route route_of(std::uint64_t key);
    std::size_t find(std::uint64_t key) const;  // slot index or npos
    void erase_at(std::size_t i);
    bool learnable(const Route& r) const;
    Route normalise(const Route& r) const;

    std::vector<Slot> slots_;  // power of two, at most half full
    std::size_t mask_;
    std::size_t max_routes_;
    std::size_t size_ = 0;
    tun::Ipv4 server_address_;
    std::size_t quota_;
    std::array<std::uint32_t, 33> len_refs_{};  // iroutes per prefix length
    std::array<std::uint8_t, 33> lens_{};       // lengths in use, longest first
    std::size_t n_lens_ = 0;
    std::unordered_map<ClientId, std::size_t> per_client_;
};

}  // namespace vpn::server
