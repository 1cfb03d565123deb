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

#include "ipsec/esp/esp_crypto.hpp"
#include "ipsec/esp/iv_source.hpp"
#include "ipsec/esp/sa_keys.hpp"
#include "common/util/hex.hpp"

namespace esp_test {

using Vec = std::vector<std::uint8_t>;
using Case = std::map<std::string, std::string>;

inline Vec unhex(const std::string& h) {
    Vec v;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) v.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return v;
}

inline std::string hex(vpn::Bytes b) { return vpn::to_hex(b); }

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

// Every suite the tests sweep, and its label for CAPTURE.
inline const std::vector<vpn::esp::Suite> kSuites = [] {
    using vpn::esp::Encr;
    using vpn::esp::Integ;
    return std::vector<vpn::esp::Suite>{
        {Encr::AesGcm16, 128, Integ::None},          {Encr::AesGcm16, 192, Integ::None},
        {Encr::AesGcm16, 256, Integ::None},          {Encr::AesCbc, 128, Integ::HmacSha1_96},
        {Encr::AesCbc, 192, Integ::HmacSha256_128},  {Encr::AesCbc, 256, Integ::HmacSha384_192},
        {Encr::AesCbc, 256, Integ::HmacSha512_256},  {Encr::TripleDesCbc, 192, Integ::HmacSha1_96},
        {Encr::TripleDesCbc, 192, Integ::HmacSha256_128}, {Encr::Null, 0, Integ::HmacSha1_96},
        {Encr::Null, 0, Integ::HmacSha256_128},
    };
}();

inline std::string label(const vpn::esp::Suite& s) {
    return std::string(vpn::esp::encr_name(s.encr)) + "-" + std::to_string(s.encr_bits) + "/" + vpn::esp::integ_name(s.integ);
}

// An authentic packet with any plaintext we like (the SA under test would never
// build a bad trailer itself): header | IV | plaintext, sealed by the keyed transform.
inline Vec craft(const vpn::esp::SaParams& p, std::uint64_t seq, const Vec& plaintext) {
    vpn::esp::EspCrypto enc(p.keys, p.esn, true);
    Vec pkt(vpn::esp::kEspHeaderLen + enc.iv_len() + plaintext.size() + enc.icv_len());
    vpn::store_be32(pkt.data(), p.spi);
    vpn::store_be32(pkt.data() + 4, static_cast<std::uint32_t>(seq));
    for (std::size_t i = 0; i < enc.iv_len(); ++i) pkt[8 + i] = static_cast<std::uint8_t>(0xa0 + i + seq);
    std::memcpy(pkt.data() + 8 + enc.iv_len(), plaintext.data(), plaintext.size());
    if (!enc.seal(pkt.data(), plaintext.size(), static_cast<std::uint32_t>(seq >> 32))) throw std::runtime_error("craft: seal failed");
    return pkt;
}

// inner | 1..pad | pad | nh, padded to `align`.
inline Vec trailer_plaintext(const Vec& inner, std::uint8_t nh, std::size_t align) {
    Vec v = inner;
    std::size_t pad = (align - (inner.size() + 2) % align) % align;
    for (std::size_t i = 0; i < pad; ++i) v.push_back(static_cast<std::uint8_t>(i + 1));
    v.push_back(static_cast<std::uint8_t>(pad));
    v.push_back(nh);
    return v;
}

}  // namespace esp_test
