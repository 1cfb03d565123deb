#pragma once
// Hex digits as config files, key files and logs write them, without the locale
// (isxdigit follows LC_CTYPE).
#include <cstdint>
#include <string>
#include <string_view>

#include "common/util/bytes.hpp"

namespace vpn {

// 0..15 for a hex digit of either case, -1 otherwise.
inline int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Exactly 2 * out.size() digits into out; false (out partly written) on anything else.
inline bool decode_hex(std::string_view digits, MutBytes out) {
    if (digits.size() != 2 * out.size()) return false;
    for (std::size_t i = 0; i < out.size(); ++i) {
        int hi = hex_value(digits[2 * i]), lo = hex_value(digits[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return true;
}

// Lower-case digits, two per byte.
inline std::string to_hex(Bytes b) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    s.reserve(2 * b.size());
    for (auto c : b) {
        s += kDigits[c >> 4];
        s += kDigits[c & 15];
    }
    return s;
}

}  // namespace vpn
