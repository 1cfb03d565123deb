#pragma once
// splitmix64's finaliser, for the home slot of open-addressing tables whose keys
// (addresses, MACs) peers choose: the slot must not be predictable from the key bits.
#include <cstdint>

namespace vpn::util {

constexpr std::uint64_t hash_mix(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

}  // namespace vpn::util
