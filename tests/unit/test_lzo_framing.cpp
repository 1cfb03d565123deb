// comp-lzo framing (openvpn-wire.md §4): the real 0x66 / 0xFA payloads of
// cap_udp_lzo.pcap (two stock 2.6.14 peers with allow-compression yes), round trips,
// hostile compressed input, the output bound and the adaptive sampler.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/compress/lzo_framing.hpp"

using vpn::Bytes;
using vpn::MutBytes;
using vpn::compress::LzoFraming;

namespace {

const std::string kVectors = std::string(VPN_SOURCE_DIR) + "/tests/vectors/openvpn/";

std::vector<std::uint8_t> unhex(const std::string& h) {
    std::vector<std::uint8_t> v;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) v.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return v;
}

struct Vector {
    std::vector<std::uint8_t> framed, plain;
};

std::vector<Vector> load() {
    std::ifstream f(kVectors + "lzo_packets.txt");
    REQUIRE(f.good());
    std::vector<Vector> v;
    std::string line;
    while (std::getline(f, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream s(line);
        std::string a, b;
        s >> a >> b;
        v.push_back({unhex(a), unhex(b)});
    }
    return v;
}

std::vector<std::uint8_t> as_vec(Bytes b) { return {b.begin(), b.end()}; }

// RFC 791 header checksum: an LZO-independent check that decompression is right.
bool ipv4_header_ok(Bytes p) {
    if (p.size() < 20 || (p[0] >> 4) != 4) return false;
    const std::size_t ihl = (p[0] & 15) * 4u;
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < ihl; i += 2) sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff && vpn::load_be16(p.data() + 2) == p.size();
}

// Something IP-like that compresses well (like the 1000-byte pings of the capture).
std::vector<std::uint8_t> compressible(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i < 28 ? i * 13 : (i % 8));
    return v;
}

std::vector<std::uint8_t> random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng());
    return v;
}

}  // namespace

TEST_CASE("lzo framing: unframe the real packets of cap_udp_lzo.pcap") {
    LzoFraming lzo(false, false);
    std::vector<std::uint8_t> out(1600);
    int compressed = 0, plain = 0;
    for (const auto& v : load()) {
        auto r = lzo.unframe(v.framed, out);
        REQUIRE(r.has_value());
        CHECK(as_vec(*r) == v.plain);
        if (v.framed[0] == 0x66) {
            ++compressed;
            CHECK(v.framed.size() == 77);
            CHECK(r->size() == 1028);
            CHECK(ipv4_header_ok(*r));
            CHECK(r->data() == out.data());
        } else {
            ++plain;
            CHECK(v.framed[0] == 0xFA);
            CHECK(r->data() == v.framed.data() + 1);  // in place
        }
    }
    CHECK(compressed == 6);
    CHECK(plain == 3);
}

TEST_CASE("lzo framing: the output bound is respected") {
    LzoFraming lzo(false, false);
    for (const auto& v : load()) {
        if (v.framed[0] != 0x66) continue;
        std::vector<std::uint8_t> big(2000, 0xEE);
        // One byte short of the real size: refused, and nothing written past the bound.
        auto r = lzo.unframe(v.framed, MutBytes(big.data(), 1027));
        CHECK_FALSE(r.has_value());
        for (std::size_t i = 1027; i < big.size(); ++i) REQUIRE(big[i] == 0xEE);
        CHECK(lzo.unframe(v.framed, MutBytes(big.data(), 1028)).has_value());
        CHECK_FALSE(lzo.unframe(v.framed, MutBytes()).has_value());
    }
}

TEST_CASE("lzo framing: corrupt and truncated compressed input") {
    LzoFraming lzo(false, false);
    const auto vectors = load();
    std::vector<std::uint8_t> framed;
    for (const auto& v : vectors)
        if (v.framed[0] == 0x66) framed = v.framed;
    REQUIRE(!framed.empty());
    std::vector<std::uint8_t> out(1600);

    for (std::size_t len = 1; len < framed.size(); ++len) {
        CAPTURE(len);
        CHECK_FALSE(lzo.unframe(Bytes(framed.data(), len), out).has_value());
    }
    // Trailing garbage after a complete stream is refused too (LZO_E_INPUT_NOT_CONSUMED).
    auto longer = framed;
    longer.push_back(0);
    CHECK_FALSE(lzo.unframe(longer, out).has_value());

    // Every single-byte corruption either fails or stays inside the bound.
    for (std::size_t i = 1; i < framed.size(); ++i) {
        for (std::uint8_t x : {0x01, 0x80, 0xff}) {
            auto bad = framed;
            bad[i] ^= x;
            auto r = lzo.unframe(bad, out);
            if (r) CHECK(r->size() <= out.size());
        }
    }
    std::mt19937 rng(7);
    for (int i = 0; i < 2000; ++i) {
        auto junk = random_bytes(1 + rng() % 300, static_cast<unsigned>(i));
        junk[0] = 0x66;
        auto r = lzo.unframe(junk, MutBytes(out.data(), 1500));
        if (r) CHECK(r->size() <= 1500);
    }
}

TEST_CASE("lzo framing: header bytes") {
    LzoFraming lzo(false, false);
    std::vector<std::uint8_t> out(100);
    CHECK_FALSE(lzo.unframe(Bytes(), out).has_value());
    for (std::uint8_t h : {0x00, 0x45, 0x60, 0x69, 0xFB, 0x50}) {
        std::uint8_t p[3] = {h, 1, 2};
        CHECK_FALSE(lzo.unframe(p, out).has_value());
        CHECK_FALSE(vpn::compress::lzo_header_known(p));
    }
    std::uint8_t only[1] = {0xFA};
    auto r = lzo.unframe(only, out);
    REQUIRE(r.has_value());
    CHECK(r->empty());
}

TEST_CASE("lzo framing: frame in place or compress, and round trip") {
    std::vector<std::uint8_t> out(2000);
    std::vector<std::uint8_t> scratch(vpn::compress::lzo_scratch_size(1500));

    SUBCASE("no compression configured: always 0xFA in place") {
        LzoFraming lzo(false, true);
        auto payload = compressible(1000);
        std::vector<std::uint8_t> buf(1 + payload.size());
        std::memcpy(buf.data() + 1, payload.data(), payload.size());
        Bytes f = lzo.frame(buf, 1, payload.size(), scratch, 100);
        CHECK(f.data() == buf.data());
        CHECK(f.size() == 1001);
        CHECK(f[0] == 0xFA);
        CHECK(as_vec(*lzo.unframe(f, out)) == payload);
    }
    SUBCASE("compressible payloads of 100+ bytes become 0x66") {
        LzoFraming lzo(true, false);
        for (std::size_t n : {100, 101, 500, 1028, 1500}) {
            auto payload = compressible(n);
            std::vector<std::uint8_t> buf(4 + n);
            std::memcpy(buf.data() + 4, payload.data(), n);
            Bytes f = lzo.frame(buf, 4, n, scratch, 100);
            CHECK(f[0] == 0x66);
            CHECK(f.data() == scratch.data());
            CHECK(f.size() < n + 1);
            CHECK(as_vec(*lzo.unframe(f, out)) == payload);
        }
        CHECK(lzo.pre_compress() > lzo.post_compress());
    }
    SUBCASE("short, incompressible, or no scratch room: 0xFA") {
        LzoFraming lzo(true, false);
        auto small = compressible(99);
        std::vector<std::uint8_t> buf(1 + 99);
        std::memcpy(buf.data() + 1, small.data(), 99);
        Bytes f = lzo.frame(buf, 1, 99, scratch, 100);
        CHECK(f[0] == 0xFA);
        CHECK(f.data() == buf.data());

        auto noise = random_bytes(1400, 1);
        std::vector<std::uint8_t> nb(1 + noise.size());
        std::memcpy(nb.data() + 1, noise.data(), noise.size());
        f = lzo.frame(nb, 1, noise.size(), scratch, 100);
        CHECK(f[0] == 0xFA);
        CHECK(as_vec(*lzo.unframe(f, out)) == noise);

        auto big = compressible(1400);
        std::vector<std::uint8_t> bb(1 + big.size());
        std::memcpy(bb.data() + 1, big.data(), big.size());
        f = lzo.frame(bb, 1, big.size(), MutBytes(scratch.data(), 200), 100);  // too small to try
        CHECK(f[0] == 0xFA);
    }
    SUBCASE("headroom is required") {
        LzoFraming lzo(true, false);
        std::vector<std::uint8_t> buf(10);
        CHECK_THROWS_AS(lzo.frame(buf, 0, 5, scratch, 1), std::out_of_range);
        CHECK_THROWS_AS(lzo.frame(buf, 1, 10, scratch, 1), std::out_of_range);
        CHECK_NOTHROW(lzo.frame(buf, 1, 9, scratch, 1));
        CHECK_NOTHROW(lzo.frame(buf, 10, 0, scratch, 1));
    }
}

TEST_CASE("lzo framing: adaptive compression pauses for 60 s on incompressible traffic") {
    LzoFraming lzo(true, true);
    std::vector<std::uint8_t> scratch(vpn::compress::lzo_scratch_size(1500));
    auto noise = random_bytes(1200, 3);
    auto text = compressible(1200);
    std::vector<std::uint8_t> buf(1 + 1200);
    auto frame = [&](const std::vector<std::uint8_t>& p, std::int64_t now) {
        std::memcpy(buf.data() + 1, p.data(), p.size());
        return lzo.frame(buf, 1, p.size(), scratch, now)[0];
    };

    CHECK(frame(noise, 1000) == 0xFA);  // first sample starts; tried, but not smaller
    CHECK(frame(noise, 1000) == 0xFA);
    CHECK(frame(noise, 1001) == 0xFA);
    CHECK(frame(noise, 1001) == 0xFA);
    CHECK_FALSE(lzo.adaptive_paused());
    // The 2 s sample (1000..1001) saved < 5 %: paused until 1062.
    CHECK(frame(text, 1002) == 0xFA);
    CHECK(lzo.adaptive_paused());
    CHECK(frame(text, 1061) == 0xFA);
    CHECK(frame(text, 1062) == 0x66);
    CHECK_FALSE(lzo.adaptive_paused());
    // Compressible traffic keeps it on.
    for (std::int64_t t = 1062; t < 1080; ++t) CHECK(frame(text, t) == 0x66);

    LzoFraming fixed(true, false);  // --comp-noadapt: never pauses
    for (std::int64_t t = 1000; t < 1010; ++t) {
        std::memcpy(buf.data() + 1, noise.data(), noise.size());
        fixed.frame(buf, 1, noise.size(), scratch, t);
    }
    std::memcpy(buf.data() + 1, text.data(), text.size());
    CHECK(fixed.frame(buf, 1, text.size(), scratch, 1010)[0] == 0x66);
}
