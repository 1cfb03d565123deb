#pragma once
// IPv4 addresses as used by the tun/rtnetlink layer: a plain 32-bit value in network
// byte order (what the kernel puts in IFA_LOCAL, RTA_DST, ... attributes).
#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vpn::tun {

struct Ipv4 {
    std::uint32_t be;  // network byte order: 10.0.0.1 is the bytes 0a 00 00 01 in memory

    // Host-order value (10.0.0.1 -> 0x0a000001) and back.
    constexpr std::uint32_t host() const { return swap(be); }
    static constexpr Ipv4 from_host(std::uint32_t v) { return Ipv4{swap(v)}; }
    friend constexpr bool operator==(Ipv4, Ipv4) = default;

private:
    static constexpr std::uint32_t swap(std::uint32_t v) {
        if constexpr (std::endian::native == std::endian::little) return __builtin_bswap32(v);
        return v;
    }
};

// Strict dotted quad: exactly four decimal fields 0..255, no leading zeros ("010" would be
// octal to inet_aton), no spaces, no trailing text.  nullopt on anything else.
std::optional<Ipv4> parse_ipv4(std::string_view text);

// "a.b.c.d".
std::string format_ipv4(Ipv4 addr);

// 255.255.255.0 -> 24; -1 if the mask's ones are not contiguous from the top bit.
int netmask_to_prefix(Ipv4 mask);

// 24 -> 255.255.255.0.  Precondition 0 <= prefix_len <= 32 (clamped otherwise).
Ipv4 prefix_to_netmask(int prefix_len);

// `addr` with the host bits beyond `prefix_len` cleared (10.1.2.3/24 -> 10.1.2.0).
Ipv4 network_of(Ipv4 addr, int prefix_len);

}  // namespace vpn::tun
