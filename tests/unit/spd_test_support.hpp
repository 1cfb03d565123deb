#pragma once
// Inner IPv4 packets with chosen addresses, protocol and ports, for the tests of
// setkey policies (ipsec/manual/spd.hpp) and the links that apply them.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/util/bytes.hpp"

namespace spd_test {

using Vec = std::vector<std::uint8_t>;

constexpr std::uint32_t ip(int a, int b, int c, int d) {
    return static_cast<std::uint32_t>(a) << 24 | static_cast<std::uint32_t>(b) << 16 |
           static_cast<std::uint32_t>(c) << 8 | static_cast<std::uint32_t>(d);
}

constexpr std::uint8_t kIcmp = 1, kTcp = 6, kUdp = 17, kGre = 47;

// `len` bytes (>= 28): a 20-byte header, then the ports (TCP/UDP) and filler.
// `frag_offset` in 8-byte units: non-zero makes a later fragment (no ports).
inline Vec ipv4(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, std::uint16_t sport = 0,
                std::uint16_t dport = 0, std::size_t len = 60, std::uint16_t frag_offset = 0) {
    Vec p(len);
    for (std::size_t i = 20; i < len; ++i) p[i] = static_cast<std::uint8_t>(i * 13);
    p[0] = 0x45;
    vpn::store_be16(p.data() + 2, static_cast<std::uint16_t>(len));
    vpn::store_be16(p.data() + 6, frag_offset);
    p[8] = 64;
    p[9] = proto;
    vpn::store_be32(p.data() + 12, src);
    vpn::store_be32(p.data() + 16, dst);
    if (proto == kTcp || proto == kUdp) {
        vpn::store_be16(p.data() + 20, sport);
        vpn::store_be16(p.data() + 22, dport);
    }
    return p;
}

}  // namespace spd_test
