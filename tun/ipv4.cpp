#include "tun/ipv4.hpp"

#include <fmt/format.h>

namespace vpn::tun {

std::optional<Ipv4> parse_ipv4(std::string_view text) {
    std::uint32_t value = 0;
    std::size_t pos = 0;
    for (int field = 0; field < 4; ++field) {
        if (field > 0) {
            if (pos >= text.size() || text[pos] != '.') return std::nullopt;
            ++pos;
        }
        const std::size_t start = pos;
        unsigned octet = 0;
        while (pos < text.size() && pos - start < 4 && text[pos] >= '0' && text[pos] <= '9') {
            octet = octet * 10 + unsigned(text[pos] - '0');
            ++pos;
        }
        const std::size_t digits = pos - start;
        if (digits == 0 || digits > 3 || octet > 255) return std::nullopt;
        if (digits > 1 && text[start] == '0') return std::nullopt;
        value = (value << 8) | octet;
    }
    if (pos != text.size()) return std::nullopt;
    return Ipv4::from_host(value);
}

std::string format_ipv4(Ipv4 addr) {
    const std::uint32_t v = addr.host();
    return fmt::format("{}.{}.{}.{}", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
}

int netmask_to_prefix(Ipv4 mask) {
    const std::uint32_t v = mask.host();
    const int ones = std::countl_one(v);
    // Contiguous means everything after the leading ones is zero.
    if (ones < 32 && (v << ones) != 0) return -1;
    return ones;
}

Ipv4 prefix_to_netmask(int prefix_len) {
    if (prefix_len <= 0) return Ipv4{0};
    if (prefix_len >= 32) return Ipv4::from_host(0xffffffffu);
    return Ipv4::from_host(~std::uint32_t(0) << (32 - prefix_len));
}

Ipv4 network_of(Ipv4 addr, int prefix_len) {
    return Ipv4{addr.be & prefix_to_netmask(prefix_len).be};
}

}  // namespace vpn::tun
