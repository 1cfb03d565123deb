#include "server/address_pool.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace vpn::server {
namespace {

constexpr std::uint32_t kPoolMax = 65536;  // pool.h: IFCONFIG_POOL_MAX
constexpr std::size_t kNameMax = 127;      // pool.c: ifconfig_pool_read's 128-byte buffers

}  // namespace

std::string ipv4_text(std::uint32_t a) {
    return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

std::optional<std::uint32_t> parse_ipv4_text(std::string_view s) {
    std::uint32_t out = 0;
    int parts = 0;
    std::size_t i = 0;
    while (parts < 4) {
        std::size_t start = i;
        unsigned v = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3) v = v * 10 + unsigned(s[i++] - '0');
        if (i == start || v > 255 || (i - start > 1 && s[start] == '0')) return std::nullopt;
        out = (out << 8) | v;
        ++parts;
        if (parts < 4) {
            if (i >= s.size() || s[i] != '.') return std::nullopt;
            ++i;
        }
    }
    if (i != s.size()) return std::nullopt;
    return out;
}

AddressPool::AddressPool(const PoolConfig& cfg) : cfg_(cfg) {
    if (cfg.start > cfg.end) throw std::invalid_argument("ifconfig pool start is greater than its end");
    if (cfg.end - cfg.start >= kPoolMax) throw std::invalid_argument("ifconfig pool range is too large");
    std::uint64_t size = 0;
    if (cfg.kind == PoolKind::Net30) {
        // pool.c: ifconfig_pool_init -- whole /30 blocks covering [start, end].
        base_ = cfg.start & ~3u;
        size = ((std::uint64_t(cfg.end) | 3u) + 1 - base_) >> 2;
    } else {
        base_ = cfg.start;
        size = std::uint64_t(cfg.end) - cfg.start + 1;
    }
    if (size < 2) throw std::invalid_argument(fmt::format("ifconfig pool size is too small ({}), must be at least 2", size));
    slots_.resize(size);
    if (cfg.kind == PoolKind::Individual && cfg.server_address) {
        int h = address_to_handle(cfg.server_address);
        if (h >= 0) slots_[h].excluded = true;
    }
}

std::uint32_t AddressPool::slot_base(int i) const {
    return cfg_.kind == PoolKind::Net30 ? base_ + (std::uint32_t(i) << 2) : base_ + std::uint32_t(i);
}

int AddressPool::address_to_handle(std::uint32_t addr) const {
    if (addr < base_) return -1;
    std::uint64_t off = addr - base_;
    if (cfg_.kind == PoolKind::Net30) off >>= 2;
    return off < slots_.size() ? static_cast<int>(off) : -1;
}

Lease AddressPool::lease_for(int i) const {
    const std::uint32_t b = slot_base(i);
    if (cfg_.kind == PoolKind::Net30) return Lease{i, b + 2, b + 1};
    return Lease{i, b, 0};
}

std::optional<Lease> AddressPool::acquire(std::string_view common_name) {
    // pool.c: ifconfig_pool_find.  With duplicate-cn the name is not used at all
    // (multi.c passes NULL), so the first free slot wins.
    const bool use_name = !cfg_.duplicate_cn && !common_name.empty();
    int previous = -1, fresh = -1;
    std::uint64_t earliest = 0;
    for (int i = 0; i < size(); ++i) {
        const Slot& s = slots_[i];
        if (s.in_use || s.excluded) continue;
        if (cfg_.duplicate_cn) {  // 2.6 takes even a fixed slot here
            fresh = i;
            break;
        }
        if (!s.fixed && (fresh < 0 || s.last_release < earliest)) {
            earliest = s.last_release;
            fresh = i;
        }
        if (previous < 0 && use_name && s.common_name == common_name) previous = i;
    }
    const int i = previous >= 0 ? previous : fresh;
    if (i < 0) return std::nullopt;
    Slot& s = slots_[i];
    s.in_use = true;
    s.last_release = 0;
    s.common_name = use_name ? std::string(common_name) : std::string();
    return lease_for(i);
}

void AddressPool::release(const Lease& lease) {
    if (lease.handle < 0 || lease.handle >= size()) return;
    Slot& s = slots_[lease.handle];
    if (!s.in_use) return;
    s.in_use = false;
    s.last_release = ++clock_;  // soft release: the name stays for its next connect
}

int AddressPool::in_use() const {
    int n = 0;
    for (const Slot& s : slots_) n += s.in_use ? 1 : 0;
    return n;
}

std::string AddressPool::persist_text() const {
    // pool.c: ifconfig_pool_list -- "%s,%s,%s" with an empty IPv6 column.
    std::string out;
    for (int i = 0; i < size(); ++i) {
        if (slots_[i].common_name.empty()) continue;
        out += fmt::format("{},{},\n", slots_[i].common_name, ipv4_text(slot_base(i)));
    }
    return out;
}

void AddressPool::load_persist(std::string_view text, const PoolWarn& warn) {
    auto say = [&](const std::string& m) { if (warn) warn(m); };
    int lineno = 0;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++lineno;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        const std::size_t c1 = line.find(',');
        if (c1 == std::string_view::npos) {
            say(fmt::format("ifconfig-pool-persist line {}: no ',' (expected CN,IPv4,IPv6), skipped", lineno));
            continue;
        }
        std::string_view cn = line.substr(0, std::min(c1, kNameMax));
        std::string_view rest = line.substr(c1 + 1);
        std::string_view ip = rest.substr(0, rest.find(','));
        if (cn.empty() || std::any_of(cn.begin(), cn.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; })) {
            // A control character would corrupt the file we write back.
            say(fmt::format("ifconfig-pool-persist line {}: empty common name or control character, skipped", lineno));
            continue;
        }
        if (ip.empty()) continue;  // an IPv6-only line: we have no IPv6 pool
        const auto addr = parse_ipv4_text(ip);
        if (!addr) {
            say(fmt::format("ifconfig-pool-persist line {}: invalid IPv4 address, skipped", lineno));
            continue;
        }
        const int h = address_to_handle(*addr);
        if (h < 0 || slots_[h].excluded) {
            say(fmt::format("ifconfig-pool-persist line {}: {} is outside the pool, skipped", lineno, ipv4_text(*addr)));
            continue;
        }
        Slot& s = slots_[h];
        if (s.in_use) continue;
        // pool.c: ifconfig_pool_set
        s.common_name = std::string(cn);
        s.fixed = cfg_.persist_fixed;
        s.last_release = ++clock_;
    }
}

}  // namespace vpn::server
