#pragma once
// The IPv4 ifconfig pool of a multi-client server, as OpenVPN 2.6 pool.c keeps it:
// net30 hands out /30 blocks (client base+2, its peer base+1), p2p and subnet single
// addresses; a common name gets its previous address back; the table persists in
// 2.6's ifconfig-pool-persist format ("CN,IPv4,IPv6" per line).  Pure: no I/O.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vpn::server {

enum class PoolKind { Net30, Individual };  // pool.h: IFCONFIG_POOL_30NET / _INDIV

struct PoolConfig {
    PoolKind kind = PoolKind::Individual;  // Net30 only for dev tun + topology net30
    std::uint32_t start = 0;               // host byte order, start <= end
    std::uint32_t end = 0;                 // end - start < 65536 (IFCONFIG_POOL_MAX)
    bool duplicate_cn = false;             // acquire ignores common names
    // Our addition (stock hands it out): for Individual pools, this address (the
    // server's own ifconfig address) is never handed out.  0 = none.
    std::uint32_t server_address = 0;
    // persist file read with seconds == 0: loaded entries are fixed (never given to
    // another common name), as pool.c's persist->fixed.
    bool persist_fixed = false;
};

struct Lease {
    int handle = -1;             // slot index in the pool
    std::uint32_t address = 0;   // the client's ifconfig address (net30: base+2)
    std::uint32_t peer = 0;      // net30: base+1 (the client's peer); else 0
};

using PoolWarn = std::function<void(const std::string&)>;

class AddressPool {
public:
    // Throws std::invalid_argument when start > end, the range exceeds 65536
    // addresses, or the pool has fewer than 2 slots (2.6: "IPv4 pool size is too
    // small").
    explicit AddressPool(const PoolConfig& cfg);

    // A free slot for `common_name`: its previous slot if still free (unless
    // duplicate_cn), else the free non-fixed slot released the longest ago.
    // nullopt when the pool is full.  An empty name is treated as no name.
    std::optional<Lease> acquire(std::string_view common_name);
    // Frees the slot; the name stays attached so the same CN gets it back.
    // Unknown/out-of-range handles are ignored.
    void release(const Lease& lease);

    // The persist file as 2.6 writes it: "CN,ADDR,\n" for every slot with a name,
    // in slot order; ADDR is the slot's base (net30: the /30's network address).
    std::string persist_text() const;
    // Reads a persist file tolerantly: '#'/';' lines and blank lines skipped; bad or
    // out-of-range lines (and names with control characters) warned about and skipped; names longer than 127 bytes
    // cut as 2.6's 128-byte buffer does.  Never throws.
    void load_persist(std::string_view text, const PoolWarn& warn);

    int size() const { return static_cast<int>(slots_.size()); }
    int in_use() const;

private:
    struct Slot {
        bool in_use = false;
        bool fixed = false;
        bool excluded = false;
        std::string common_name;  // empty: none
        std::uint64_t last_release = 0;
    };
    std::uint32_t slot_base(int i) const;
    int address_to_handle(std::uint32_t addr) const;
    Lease lease_for(int i) const;

    PoolConfig cfg_;
    std::uint32_t base_ = 0;
    std::uint64_t clock_ = 1;  // logical time: a release counter replaces 2.6's `now`
    std::vector<Slot> slots_;
};

// "a.b.c.d" for a host-order address; a strict parser (no leading zeros).
std::string ipv4_text(std::uint32_t addr);
std::optional<std::uint32_t> parse_ipv4_text(std::string_view s);

}  // namespace vpn::server
