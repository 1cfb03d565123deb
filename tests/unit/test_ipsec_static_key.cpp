// ESP SAs derived from an OpenVPN static key (ipsec/manual/static_key_sas.hpp).  The
// expected values were computed once, independently, with Python's hmac/hashlib from
// the derivation written in the header:
//
//   K = bytes(range(256)); H = lambda d: hmac.new(K, d, hashlib.sha256).digest()
//   spi(s, r) = 256 + be32(H(b"vpn ipsec static-key spi" + be32(s) + be32(r))[:4]) % (2**32 - 256)
//   keys(spi, e, bits, i) = prf+(b"vpn ipsec static-key keymat" + be32(spi) + be16(e) + be16(bits) + be16(i))
#include <doctest/doctest.h>

#include <string>

#include "ipsec/manual/static_key_sas.hpp"

using namespace vpn::ipsec::manual;
using vpn::ipsec::EspAlgorithm;
namespace ike = vpn::ike;

namespace {

std::array<std::uint8_t, 256> vector_key() {
    std::array<std::uint8_t, 256> k{};
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i);
    return k;
}

std::string hex(const vpn::crypto::SecureBuffer& b) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < b.size(); ++i) {
        s += kDigits[b.data()[i] >> 4];
        s += kDigits[b.data()[i] & 15];
    }
    return s;
}

constexpr std::uint32_t kA = 0x0a080001;  // 10.8.0.1
constexpr std::uint32_t kB = 0x0a080002;  // 10.8.0.2
constexpr EspAlgorithm kGcm256{ike::encr::kAesGcm16, 256, ike::integ::kNone};

StaticSaInput input(const std::array<std::uint8_t, 256>& key, std::uint32_t local, std::uint32_t peer) {
    StaticSaInput in;
    in.static_key = vpn::Bytes(key.data(), key.size());
    in.local_addr = local;
    in.peer_addr = peer;
    in.algorithm = kGcm256;
    return in;
}

}  // namespace

TEST_CASE("documented vector: SPIs and keys") {
    const auto key = vector_key();
    const vpn::Bytes k(key.data(), key.size());
    CHECK(derive_spi(k, kA, kB) == 0xa694bdbcu);
    CHECK(derive_spi(k, kB, kA) == 0x451d0daeu);

    auto [e1, i1] = derive_keys(k, 0xa694bdbc, kGcm256);
    CHECK(hex(e1) == "939cb9a891dcb689fdd9454b6117b09ce400621a063453242cb3ae48ad96ffa3d5107f8d");
    CHECK(i1.empty());
    auto [e2, i2] = derive_keys(k, 0x451d0dae, kGcm256);
    CHECK(hex(e2) == "068964a603ae6bbf4548873b6be505fb29a1942982a8396842e268a5196e0ebc7a9e9ba4");

    auto [e3, i3] = derive_keys(k, 0xa694bdbc, EspAlgorithm{ike::encr::kAesCbc, 128, ike::integ::kHmacSha1_96});
    CHECK(hex(e3) == "54c17e2efaabebd1b7752acdc00d31d3");
    CHECK(hex(i3) == "9da150bc52a387e483c7edaeb6a2ae687dbd46af");

    // Spans two prf+ blocks (24 + 32 bytes).
    auto [e4, i4] = derive_keys(k, 0x1001, EspAlgorithm{ike::encr::k3Des, 0, ike::integ::kHmacSha256_128});
    CHECK(hex(e4) == "f7e4acabbb1d894b23e961dd54539c32e5f153d15969e8b5");
    CHECK(hex(i4) == "554f21990236ff2af4e2e9f7fc0f28f2acdaa54778830f7225202e8029d5ef0e");
}

TEST_CASE("both ends agree: A's outbound SA is B's inbound SA, and the reverse") {
    const auto key = vector_key();
    auto a = derive_static_sas(input(key, kA, kB));
    auto b = derive_static_sas(input(key, kB, kA));
    CHECK(a[0].direction == SaDirection::Outbound);
    CHECK(a[1].direction == SaDirection::Inbound);
    CHECK(a[0].spi == 0xa694bdbcu);
    CHECK(a[0].spi == b[1].spi);
    CHECK(a[1].spi == b[0].spi);
    CHECK(hex(a[0].encr_key) == hex(b[1].encr_key));
    CHECK(hex(a[1].encr_key) == hex(b[0].encr_key));
    // The two directions never share a key (nor an SPI).
    CHECK(a[0].spi != a[1].spi);
    CHECK(hex(a[0].encr_key) != hex(a[1].encr_key));
    CHECK(a[0].encr_key.size() == 36);
    CHECK(a[0].replay_window == 0);
    // Deterministic.
    auto again = derive_static_sas(input(key, kA, kB));
    CHECK(again[0].spi == a[0].spi);
    CHECK(hex(again[1].encr_key) == hex(a[1].encr_key));
}

TEST_CASE("another key gives other SPIs and keys; the algorithm is part of the key") {
    auto key = vector_key();
    auto a = derive_static_sas(input(key, kA, kB));
    key[255] ^= 1;  // the whole key counts, not only HMAC-length halves
    auto c = derive_static_sas(input(key, kA, kB));
    CHECK(c[0].spi != a[0].spi);
    CHECK(hex(c[0].encr_key) != hex(a[0].encr_key));
    key[255] ^= 1;
    auto in = input(key, kA, kB);
    in.algorithm = EspAlgorithm{ike::encr::kAesGcm16, 128, ike::integ::kNone};
    auto g128 = derive_static_sas(in);
    CHECK(g128[0].spi == a[0].spi);
    CHECK(g128[0].encr_key.size() == 20);
    CHECK(hex(a[0].encr_key).substr(0, 40) != hex(g128[0].encr_key));
}

TEST_CASE("esp-spi OUT IN: the peer writes them the other way round") {
    const auto key = vector_key();
    auto in_a = input(key, kA, kB);
    in_a.spi_out = 0x1001;
    in_a.spi_in = 0x1002;
    in_a.replay_window = 128;
    auto in_b = input(key, kB, kA);
    in_b.spi_out = 0x1002;
    in_b.spi_in = 0x1001;
    auto a = derive_static_sas(in_a);
    auto b = derive_static_sas(in_b);
    CHECK(a[0].spi == 0x1001);
    CHECK(a[1].spi == 0x1002);
    CHECK(hex(a[0].encr_key) == hex(b[1].encr_key));
    CHECK(hex(a[1].encr_key) == hex(b[0].encr_key));
    CHECK(a[0].replay_window == 128);
    in_a.spi_in = 0x1001;
    CHECK_THROWS_AS(derive_static_sas(in_a), std::invalid_argument);
}

TEST_CASE("bad input") {
    const auto key = vector_key();
    CHECK_THROWS_AS(derive_static_sas(input(key, kA, kA)), std::invalid_argument);
    auto in = input(key, kA, kB);
    in.static_key = vpn::Bytes(key.data(), 128);
    CHECK_THROWS_AS(derive_static_sas(in), std::invalid_argument);
}

TEST_CASE("SPIs are never reserved") {
    const auto key = vector_key();
    const vpn::Bytes k(key.data(), key.size());
    for (std::uint32_t s = 1; s < 2000; ++s) {
        const std::uint32_t spi = derive_spi(k, s, s + 1);
        if (spi < 256) FAIL("reserved SPI " << spi);
    }
}
