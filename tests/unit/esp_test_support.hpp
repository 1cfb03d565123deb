#pragma once
// Helpers shared by the ESP unit tests: hex, the `name = value` vector files in
// tests/vectors/esp/, a valid inner IPv4/IPv6 packet, fixed CBC IVs, SA params.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ipsec/esp/iv_source.hpp"
#include "ipsec/esp/sa_keys.hpp"

namespace esp_test {

using Vec = std::vector<std::uint8_t>;
using Case = std::map<std::string, std::string>;

inline Vec unhex(const std::string& h) {
    Vec v;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) v.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return v;
}

inline std::string hex(vpn::Bytes b) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (auto c : b) {
        s += d[c >> 4];
        s += d[c & 15];
    }
    return s;
}

inline std::string trim(const std::string& s) {
    auto a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

inline std::vector<Case> load_cases(const std::string& name) {
    std::ifstream f(std::string(VPN_SOURCE_DIR) + "/tests/vectors/esp/" + name);
    if (!f) throw std::runtime_error("cannot open " + name);
    std::vector<Case> out;
    std::string line;
    while (std::getline(f, line)) {
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string k = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
        if (k == "case") out.emplace_back();
        if (!out.empty()) out.back()[k] = v;
    }
    return out;
}

// An IPv4 packet of `len` bytes (>= 20) with a consistent header, or IPv6 (>= 40).
inline Vec ip_packet(std::size_t len, int version = 4, std::uint8_t fill = 0) {
    Vec p(len);
    for (std::size_t i = 0; i < len; ++i) p[i] = static_cast<std::uint8_t>(fill + i * 7);
    if (version == 4) {
        p[0] = 0x45;
        p[2] = static_cast<std::uint8_t>(len >> 8);
        p[3] = static_cast<std::uint8_t>(len);
    } else {
        p[0] = 0x60;
        p[4] = static_cast<std::uint8_t>((len - 40) >> 8);
        p[5] = static_cast<std::uint8_t>(len - 40);
    }
    return p;
}

// Hands out the given IV for every packet.
class FixedIv final : public vpn::esp::IvSource {
public:
    explicit FixedIv(Vec iv) : iv_(std::move(iv)) {}
    void fill(std::uint8_t* out, std::size_t n) override {
        for (std::size_t i = 0; i < n; ++i) out[i] = iv_[i % iv_.size()];
    }

private:
    Vec iv_;
};

// Deterministic keys for a suite (distinct bytes per `seed`).
inline vpn::esp::SaKeys test_keys(const vpn::esp::Suite& s, std::uint8_t seed = 1) {
    Vec e(vpn::esp::encr_key_len(s)), a(vpn::esp::integ_key_len(s.integ));
    for (std::size_t i = 0; i < e.size(); ++i) e[i] = static_cast<std::uint8_t>(seed * 31 + i);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(seed * 17 + 3 * i + 1);
    return vpn::esp::make_sa_keys(s, e, a);
}

inline vpn::esp::SaParams params(const vpn::esp::Suite& s, std::uint32_t spi = 0x1000, bool esn = false,
                                 std::uint32_t window = 1024, std::uint64_t initial = 0) {
    vpn::esp::SaParams p;
    p.spi = spi;
    p.keys = test_keys(s);
    p.esn = esn;
    p.replay_window = window;
    p.initial_seq = initial;
    return p;
}

}  // namespace esp_test
