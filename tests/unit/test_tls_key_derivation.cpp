// TLS-mode key derivation (openvpn-wire.md §7.2-7.4): the TLS 1.0 PRF against
// openvpn's own KATs, the key-method-2 expansion against an independent Python
// computation, the EKM path, and key sources.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/crypto/tls1_prf.hpp"
#include "common/openvpn/tls_data_channel.hpp"
#include "common/openvpn/tls_key_derivation.hpp"

using vpn::Bytes;
using vpn::ovpn::KeySource;

namespace {

std::vector<std::uint8_t> unhex(const std::string& h) {
    std::vector<std::uint8_t> v;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        v.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return v;
}

Bytes str(const char* s) { return Bytes(reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)); }

std::map<std::string, std::vector<std::uint8_t>> expansion_vector() {
    std::ifstream f(std::string(VPN_SOURCE_DIR) + "/tests/vectors/openvpn/tls/key_expansion.txt");
    REQUIRE(f.good());
    std::map<std::string, std::vector<std::uint8_t>> m;
    std::string line;
    while (std::getline(f, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream s(line);
        std::string k, v;
        s >> k >> v;
        m[k] = unhex(v);
    }
    return m;
}

std::vector<std::uint8_t> cat(std::initializer_list<Bytes> parts) {
    std::vector<std::uint8_t> v;
    for (Bytes p : parts) v.insert(v.end(), p.begin(), p.end());
    return v;
}

}  // namespace

TEST_CASE("TLS 1.0 PRF: openvpn test_crypto.c and check_tls_prf_working KATs") {
    // tests/unit_tests/openvpn/test_crypto.c: crypto_test_tls_prf (odd-length secret:
    // the MD5 and SHA1 halves share a byte).
    const char* seed = "Quis aute iure reprehenderit in voluptate velit esse cillum dolore";
    const char* secret =
        "Lorem ipsum dolor sit amet, consectetur adipisici elit, sed eiusmod tempor incidunt ut labore et "
        "dolore magna aliqua.";
    const std::vector<std::uint8_t> good = {0xd9, 0x8c, 0x85, 0x18, 0xc8, 0x5e, 0x94, 0x69, 0x27, 0x91, 0x6a,
                                            0xcf, 0xc2, 0xd5, 0x92, 0xfb, 0xb1, 0x56, 0x7e, 0x4b, 0x4b, 0x14,
                                            0x59, 0xe6, 0xa9, 0x04, 0xac, 0x2d, 0xda, 0xb7, 0x2d, 0x67};
    CHECK(std::strlen(secret) % 2 == 1);
    std::vector<std::uint8_t> out(32);
    vpn::crypto::tls1_prf(str(secret), str(seed), out);
    CHECK(out == good);
    // crypto.c: check_tls_prf_working.
    std::vector<std::uint8_t> out8(8);
    vpn::crypto::tls1_prf(str("tls1-prf-test-secret"), str("tls1-prf-test"), out8);
    CHECK(out8 == std::vector<std::uint8_t>{'q', 'D', 0xfe, '%', '@', 's', 'u', 0x95});
    std::vector<std::uint8_t> none;
    CHECK_THROWS_AS(vpn::crypto::tls1_prf(Bytes{}, str("x"), out8), vpn::crypto::CryptoError);
    CHECK_THROWS_AS(vpn::crypto::tls1_prf(str("x"), str("x"), none), vpn::crypto::CryptoError);
}

TEST_CASE("key method 2 PRF expansion matches the independent computation") {
    auto v = expansion_vector();
    const KeySource client = KeySource::from_parts(v["pre_master"], v["client_random1"], v["client_random2"]);
    const KeySource server = KeySource::from_parts({}, v["server_random1"], v["server_random2"]);
    CHECK(client.is_client());
    CHECK_FALSE(server.is_client());

    // The master secret step on its own.
    const auto seed = cat({str("OpenVPN master secret"), v["client_random1"], v["server_random1"]});
    std::vector<std::uint8_t> master(48);
    vpn::crypto::tls1_prf(v["pre_master"], seed, master);
    CHECK(master == v["master"]);

    const auto key2 = vpn::ovpn::derive_key2_prf(client, server, v["client_sid"], v["server_sid"]);
    REQUIRE(key2.key_count() == 2);
    CHECK(std::vector<std::uint8_t>(key2.raw().begin(), key2.raw().end()) == v["key2"]);

    // Pitfall §11.6: the session ids are part of the seed, client's first.
    const auto swapped = vpn::ovpn::derive_key2_prf(client, server, v["server_sid"], v["client_sid"]);
    CHECK_FALSE(swapped == key2);
    // The randoms are not interchangeable either.
    const KeySource server2 = KeySource::from_parts({}, v["server_random2"], v["server_random1"]);
    CHECK_FALSE(vpn::ovpn::derive_key2_prf(client, server2, v["client_sid"], v["server_sid"]) == key2);

    CHECK_THROWS_AS(vpn::ovpn::derive_key2_prf(server, client, v["client_sid"], v["server_sid"]), std::invalid_argument);
    CHECK_THROWS_AS(vpn::ovpn::derive_key2_prf(client, client, v["client_sid"], v["server_sid"]), std::invalid_argument);
    CHECK_THROWS_AS(vpn::ovpn::derive_key2_prf(client, server, Bytes(v["client_sid"]).first(7), v["server_sid"]),
                    std::invalid_argument);
    CHECK_THROWS_AS(vpn::ovpn::derive_key2_prf(client, KeySource{}, v["client_sid"], v["server_sid"]),
                    std::invalid_argument);
}

TEST_CASE("both sides derive the same key2, and it drives a working data channel pair") {
    const KeySource client = KeySource::generate(true);
    const KeySource server = KeySource::generate(false);
    const std::uint8_t csid[8] = {1, 2, 3, 4, 5, 6, 7, 8}, ssid[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    // Each side holds its own source and a copy of the peer's, as read from key method 2.
    const KeySource client_seen_by_server =
        KeySource::from_parts(client.pre_master(), client.random1(), client.random2());
    const KeySource server_seen_by_client = KeySource::from_parts({}, server.random1(), server.random2());
    const auto k_client = vpn::ovpn::derive_key2_prf(client, server_seen_by_client, csid, ssid);
    const auto k_server = vpn::ovpn::derive_key2_prf(client_seen_by_server, server, csid, ssid);
    CHECK(k_client == k_server);

    vpn::ovpn::TlsDataChannel cli(k_client, vpn::ovpn::TlsRole::Client, {});
    vpn::ovpn::TlsDataChannel srv(k_server, vpn::ovpn::TlsRole::Server, {});
    const std::vector<std::uint8_t> payload(100, 0x5a);
    std::vector<std::uint8_t> pkt(200), out(200);
    const auto n = cli.seal(payload, pkt, {});
    const auto o = srv.open(Bytes(pkt.data(), n), out, 0);
    REQUIRE(o.ok);
    CHECK(o.payload.size() == 100);
}

TEST_CASE("EKM: the 256 exported bytes are key2 as they are") {
    std::vector<std::uint8_t> ekm(256);
    for (std::size_t i = 0; i < ekm.size(); ++i) ekm[i] = static_cast<std::uint8_t>(i * 31 + 7);
    const auto k = vpn::ovpn::key2_from_ekm(ekm);
    REQUIRE(k.key_count() == 2);
    CHECK(k.cipher(0)[0] == ekm[0]);
    CHECK(k.hmac(0)[0] == ekm[64]);
    CHECK(k.cipher(1)[0] == ekm[128]);
    CHECK(k.hmac(1)[63] == ekm[255]);
    CHECK_THROWS_AS(vpn::ovpn::key2_from_ekm(Bytes(ekm).first(255)), std::invalid_argument);
    CHECK_THROWS_AS(vpn::ovpn::key2_from_ekm(Bytes(ekm).first(128)), std::invalid_argument);
    CHECK(vpn::ovpn::kEkmDataKeysLabel == "EXPORTER-OpenVPN-datakeys");
}

TEST_CASE("key sources") {
    const KeySource c = KeySource::generate(true), s = KeySource::generate(false);
    CHECK(c.pre_master().size() == 48);
    CHECK(c.random1().size() == 32);
    CHECK(c.random2().size() == 32);
    CHECK(s.pre_master().empty());
    CHECK(s.random1().size() == 32);
    const KeySource c2 = KeySource::generate(true);
    CHECK(std::memcmp(c.random1().data(), c2.random1().data(), 32) != 0);
    CHECK(KeySource{}.is_empty());
    CHECK(KeySource{}.random1().empty());
    const std::vector<std::uint8_t> r32(32, 1), r31(31, 1), pm47(47, 1);
    CHECK_THROWS_AS(KeySource::from_parts(pm47, r32, r32), std::invalid_argument);
    CHECK_THROWS_AS(KeySource::from_parts({}, r31, r32), std::invalid_argument);
    CHECK_THROWS_AS(KeySource::from_parts({}, r32, r31), std::invalid_argument);
}
