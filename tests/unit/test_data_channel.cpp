// Static-key data channel (openvpn-wire.md §3.2): decrypt real packets exchanged by two
// stock openvpn 2.6.14 peers, round trips for every cipher/auth pair, an independent
// decoder check of what seal() writes, and every kind of bad packet.
#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/openvpn/control_payloads.hpp"
#include "common/openvpn/static_data_channel.hpp"
#include "pki/static_key.hpp"

using vpn::Bytes;
using vpn::MutBytes;
using vpn::ovpn::Drop;
using vpn::ovpn::KeyDirection;
using vpn::ovpn::StaticChannelParams;
using vpn::ovpn::StaticDataChannel;

namespace {

const std::string kVectors = std::string(VPN_SOURCE_DIR) + "/tests/vectors/openvpn/";
constexpr std::int64_t kCaptureTime = 1795408562;  // the peers' packet-id time in cap_static.pcap

vpn::pki::StaticKey capture_key() { return vpn::pki::read_static_key_file(kVectors + "static.key"); }

std::vector<std::uint8_t> unhex(const std::string& h) {
    std::vector<std::uint8_t> v;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) v.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return v;
}

struct CapturedPacket {
    int sport, dport;
    std::vector<std::uint8_t> bytes;
};

std::vector<CapturedPacket> load_capture(const std::string& file) {
    std::ifstream f(kVectors + file);
    REQUIRE(f.good());
    std::vector<CapturedPacket> out;
    std::string line;
    while (std::getline(f, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream s(line);
        CapturedPacket p;
        std::string h;
        s >> p.sport >> p.dport >> h;
        p.bytes = unhex(h);
        out.push_back(std::move(p));
    }
    return out;
}

StaticChannelParams params(const std::string& cipher, const std::string& auth) {
    StaticChannelParams p;
    p.cipher = cipher;
    p.auth = auth;
    return p;
}

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed = 1) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 7);
    return v;
}

// Independent decoder (one-shot EVP with OpenSSL's own padding, EVP_Q_mac), in the
// style of openvpn-captures/static_dec.py, for what our seal() produced.
struct Decoded {
    bool hmac_ok = false;
    std::uint32_t id = 0, time = 0;
    std::vector<std::uint8_t> payload;
};

Decoded reference_decode(Bytes pkt, const vpn::crypto::Key2& key, int slot, const std::string& cipher,
                         const std::string& digest) {
    Decoded d;
    EVP_MD* md = EVP_MD_fetch(nullptr, digest.c_str(), nullptr);
    REQUIRE(md);
    const std::size_t hl = static_cast<std::size_t>(EVP_MD_get_size(md));
    EVP_MD_free(md);
    std::uint8_t mac[64];
    std::size_t maclen = 0;
    REQUIRE(EVP_Q_mac(nullptr, "HMAC", nullptr, digest.c_str(), nullptr, key.hmac(slot).data(), hl,
                      pkt.data() + hl, pkt.size() - hl, mac, sizeof mac, &maclen) != nullptr);
    d.hmac_ok = maclen == hl && std::memcmp(mac, pkt.data(), hl) == 0;

    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, cipher.c_str(), nullptr);
    REQUIRE(c);
    const std::size_t ivl = static_cast<std::size_t>(EVP_CIPHER_get_iv_length(c));
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    std::vector<std::uint8_t> pt(pkt.size() + 32);
    int n1 = 0, n2 = 0;
    REQUIRE(EVP_DecryptInit_ex(ctx, c, nullptr, key.cipher(slot).data(), pkt.data() + hl) == 1);
    REQUIRE(EVP_DecryptUpdate(ctx, pt.data(), &n1, pkt.data() + hl + ivl, static_cast<int>(pkt.size() - hl - ivl)) == 1);
    REQUIRE(EVP_DecryptFinal_ex(ctx, pt.data() + n1, &n2) == 1);  // checks PKCS#7
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    pt.resize(static_cast<std::size_t>(n1 + n2));
    REQUIRE(pt.size() >= 8);
    d.id = vpn::load_be32(pt.data());
    d.time = vpn::load_be32(pt.data() + 4);
    d.payload.assign(pt.begin() + 8, pt.end());
    return d;
}

// Encrypt an arbitrary plaintext (already padded or not) with the channel's send keys
// and a valid HMAC: lets us build authenticated packets with bad insides.
std::vector<std::uint8_t> forge(const vpn::crypto::Key2& key, int slot, Bytes plaintext) {
    std::vector<std::uint8_t> pkt(32 + 16 + plaintext.size());
    std::memset(pkt.data() + 32, 0x5a, 16);  // IV
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    REQUIRE(EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key.cipher(slot).data(), pkt.data() + 32) == 1);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    if (!plaintext.empty())
        REQUIRE(EVP_EncryptUpdate(ctx, pkt.data() + 48, &n, plaintext.data(), static_cast<int>(plaintext.size())) == 1);
    EVP_CIPHER_CTX_free(ctx);
    std::size_t maclen = 0;
    REQUIRE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.hmac(slot).data(), 32, pkt.data() + 32,
                      pkt.size() - 32, pkt.data(), 32, &maclen) != nullptr);
    return pkt;
}

}  // namespace

TEST_CASE("data channel: decrypt cap_static.pcap (static.key 0/1, AES-256-CBC, SHA256)") {
    auto key = capture_key();
    // Port 11950 ran `secret static.key 0` (sends with keys[0]); 11951 ran direction 1.
    StaticDataChannel at_11951(key, KeyDirection::Inverse, params("AES-256-CBC", "SHA256"));
    StaticDataChannel at_11950(key, KeyDirection::Normal, params("AES-256-CBC", "SHA256"));
    std::uint8_t out[2048];
    int n = 0;
    std::uint32_t expect_id[2] = {1, 1};
    for (const auto& p : load_capture("cap_static.txt")) {
        const bool to_11951 = p.dport == 11951;
        StaticDataChannel& rx = to_11951 ? at_11951 : at_11950;
        CHECK(p.bytes.size() == 80);
        auto r = rx.open(p.bytes, out, kCaptureTime);
        REQUIRE(r.ok);
        CHECK(r.id == expect_id[to_11951]++);
        CHECK(r.time == kCaptureTime);
        CHECK(vpn::ovpn::classify(r.payload) == vpn::ovpn::PayloadKind::Ping);
        // A replay of the same datagram is caught.
        CHECK(rx.open(p.bytes, out, kCaptureTime).reason == Drop::Replay);
        // The wrong direction fails authentication.
        StaticDataChannel& wrong = to_11951 ? at_11950 : at_11951;
        CHECK(wrong.open(p.bytes, out, kCaptureTime).reason == Drop::BadHmac);
        ++n;
    }
    CHECK(n == 10);
}

TEST_CASE("data channel: decrypt cap_static2.pcap (bidirectional, AES-128-CBC, SHA1)") {
    auto key = capture_key();
    StaticDataChannel rx_a(key, KeyDirection::Bidirectional, params("AES-128-CBC", "SHA1"));
    StaticDataChannel rx_b(key, KeyDirection::Bidirectional, params("AES-128-CBC", "SHA1"));
    std::uint8_t out[2048];
    int pings = 0, ipv6 = 0, requests = 0;
    std::vector<std::string> replies;
    for (const auto& p : load_capture("cap_static2.txt")) {
        auto r = (p.dport == 11950 ? rx_a : rx_b).open(p.bytes, out, 1795408600);
        REQUIRE(r.ok);
        switch (vpn::ovpn::classify(r.payload)) {
            case vpn::ovpn::PayloadKind::Ping: ++pings; break;
            case vpn::ovpn::PayloadKind::Data:
                CHECK(r.payload.size() == 48);
                CHECK((r.payload[0] >> 4) == 6);
                ++ipv6;
                break;
            case vpn::ovpn::PayloadKind::Occ: {
                auto m = vpn::ovpn::parse_occ(r.payload);
                if (m.op == vpn::ovpn::OccOp::Request) ++requests;
                if (m.op == vpn::ovpn::OccOp::Reply) replies.emplace_back(m.options);
                break;
            }
        }
    }
    CHECK(pings == 4);
    CHECK(ipv6 == 6);
    CHECK(requests == 2);
    REQUIRE(replies.size() == 2);
    CHECK(replies[0] ==
          "V4,dev-type tun,link-mtu 1560,tun-mtu 1500,proto UDPv4,ifconfig 10.96.0.2 10.96.0.1,cipher AES-128-CBC,auth SHA1,keysize 128,secret");
}

TEST_CASE("data channel: seal -> open round trip for every cipher and auth") {
    auto key = capture_key();
    for (const char* cipher : {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC", "BF-CBC", "none"}) {
        for (const char* auth : {"SHA1", "SHA256", "SHA512", "none"}) {
            CAPTURE(cipher);
            CAPTURE(auth);
            StaticDataChannel a(key, KeyDirection::Normal, params(cipher, auth));
            StaticDataChannel b(key, KeyDirection::Inverse, params(cipher, auth));
            const std::size_t hl = std::string(auth) == "SHA1" ? 20 : std::string(auth) == "SHA256" ? 32
                                   : std::string(auth) == "SHA512" ? 64 : 0;
            const std::size_t block = std::string(cipher) == "none" ? 0 : std::string(cipher) == "BF-CBC" ? 8 : 16;
            CHECK(a.overhead() == hl + block + 8 + block);
            std::vector<std::uint8_t> wire(2000), out(2000);
            std::uint32_t id = 0;
            for (std::size_t len : {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 100, 1400, 1500}) {
                CAPTURE(len);
                auto payload = pattern(len, static_cast<std::uint8_t>(len));
                std::size_t n = a.seal(payload, wire, 1000);
                const std::size_t body = block ? (8 + len) / block * block + block : 8 + len;
                CHECK(n == hl + block + body);
                auto r = b.open(Bytes(wire.data(), n), out, 1000);
                REQUIRE(r.ok);
                CHECK(r.id == ++id);
                CHECK(r.time == 1000);
                CHECK(std::vector<std::uint8_t>(r.payload.begin(), r.payload.end()) == payload);
                // And the other way round.
                n = b.seal(payload, wire, 1000);
                r = a.open(Bytes(wire.data(), n), out, 1000);
                REQUIRE(r.ok);
                CHECK(std::vector<std::uint8_t>(r.payload.begin(), r.payload.end()) == payload);
            }
        }
    }
}

TEST_CASE("data channel: sealed packets decode with an independent decoder (static_dec.py style)") {
    auto key = capture_key();
    for (const char* cipher : {"AES-256-CBC", "AES-128-CBC"}) {
        for (const char* auth : {"SHA256", "SHA1", "SHA512"}) {
            StaticDataChannel tx(key, KeyDirection::Inverse, params(cipher, auth));  // sends with keys[1]
            std::vector<std::uint8_t> wire(2000);
            for (std::uint32_t i = 1; i <= 3; ++i) {
                auto payload = pattern(100 + i);
                std::size_t n = tx.seal(payload, wire, 1234567);
                Decoded d = reference_decode(Bytes(wire.data(), n), key, 1, cipher, auth);
                CHECK(d.hmac_ok);
                CHECK(d.id == i);
                CHECK(d.time == 1234567);
                CHECK(d.payload == payload);
            }
        }
    }
}

TEST_CASE("data channel: IVs are fresh per packet") {
    auto key = capture_key();
    StaticDataChannel tx(key, KeyDirection::Normal, params("AES-256-CBC", "SHA256"));
    std::vector<std::uint8_t> w1(200), w2(200);
    auto payload = pattern(50);
    tx.seal(payload, w1, 1);
    tx.seal(payload, w2, 1);
    CHECK(std::memcmp(w1.data() + 32, w2.data() + 32, 16) != 0);
}

TEST_CASE("data channel: payload already in place at payload_offset() is not copied wrongly") {
    auto key = capture_key();
    StaticDataChannel a(key, KeyDirection::Normal, params("AES-256-CBC", "SHA256"));
    StaticDataChannel b(key, KeyDirection::Inverse, params("AES-256-CBC", "SHA256"));
    std::vector<std::uint8_t> buf(1600), out(1600);
    auto payload = pattern(1000);
    std::memcpy(buf.data() + a.payload_offset(), payload.data(), payload.size());
    std::size_t n = a.seal(Bytes(buf.data() + a.payload_offset(), payload.size()), buf, 5);
    auto r = b.open(Bytes(buf.data(), n), out, 5);
    REQUIRE(r.ok);
    CHECK(std::vector<std::uint8_t>(r.payload.begin(), r.payload.end()) == payload);
    // Overlapping but elsewhere (payload at the very start of the output buffer).
    std::memcpy(buf.data(), payload.data(), payload.size());
    n = a.seal(Bytes(buf.data(), payload.size()), buf, 5);
    r = b.open(Bytes(buf.data(), n), out, 5);
    REQUIRE(r.ok);
    CHECK(std::vector<std::uint8_t>(r.payload.begin(), r.payload.end()) == payload);

    std::vector<std::uint8_t> small(payload.size() + a.overhead() - 1);
    CHECK_THROWS_AS(a.seal(payload, small, 5), std::length_error);
}

TEST_CASE("data channel: tampering, truncation and bad insides are dropped") {
    auto key = capture_key();
    StaticDataChannel a(key, KeyDirection::Normal, params("AES-256-CBC", "SHA256"));
    StaticDataChannel b(key, KeyDirection::Inverse, params("AES-256-CBC", "SHA256"));
    std::vector<std::uint8_t> wire(300), out(300);
    auto payload = pattern(60);
    const std::size_t n = a.seal(payload, wire, 77);
    const std::vector<std::uint8_t> good(wire.begin(), wire.begin() + static_cast<long>(n));

    SUBCASE("every single-bit flip in HMAC, IV or ciphertext fails authentication") {
        for (std::size_t i = 0; i < good.size(); ++i) {
            auto t = good;
            t[i] ^= 0x01;
            auto r = b.open(t, out, 77);
            CHECK_FALSE(r.ok);
            CHECK(r.reason == Drop::BadHmac);
        }
    }
    SUBCASE("every truncation") {
        for (std::size_t len = 0; len < good.size(); ++len) {
            auto r = b.open(Bytes(good.data(), len), out, 77);
            CHECK_FALSE(r.ok);
            CHECK(r.reason == (len < 32 ? Drop::ShortPacket : Drop::BadHmac));
        }
        auto r = b.open(good, out, 77);
        CHECK(r.ok);
    }
    SUBCASE("authenticated but bad padding, bad length, missing packet id") {
        std::vector<std::uint8_t> pt(32, 0);
        vpn::store_be32(pt.data(), 1);
        pt[31] = 0;  // pad byte 0
        CHECK(b.open(forge(key, 0, pt), out, 77).reason == Drop::BadPadding);
        pt[31] = 17;  // longer than a block
        CHECK(b.open(forge(key, 0, pt), out, 77).reason == Drop::BadPadding);
        pt[31] = 3;
        pt[30] = 3;
        pt[29] = 4;  // inconsistent pad bytes
        CHECK(b.open(forge(key, 0, pt), out, 77).reason == Drop::BadPadding);
        pt[29] = 3;
        auto ok = b.open(forge(key, 0, pt), out, 77);  // now valid: id 1, 21 payload bytes
        CHECK(ok.ok);
        CHECK(ok.payload.size() == 21);

        std::vector<std::uint8_t> short_pt(16, 12);  // 4 bytes + 12 bytes of padding
        CHECK(b.open(forge(key, 0, short_pt), out, 77).reason == Drop::ShortPacket);
        std::vector<std::uint8_t> ragged(20, 1);  // not a multiple of the block
        CHECK(b.open(forge(key, 0, ragged), out, 77).reason == Drop::BadCiphertext);
        CHECK(b.open(forge(key, 0, {}), out, 77).reason == Drop::ShortPacket);  // IV only
    }
    SUBCASE("output buffer too small") {
        std::uint8_t tiny[16];
        CHECK(b.open(good, tiny, 77).reason == Drop::Oversize);
    }
    SUBCASE("direction mismatch") {
        StaticDataChannel same_dir(key, KeyDirection::Normal, params("AES-256-CBC", "SHA256"));
        CHECK(same_dir.open(good, out, 77).reason == Drop::BadHmac);
        StaticDataChannel bidir(key, KeyDirection::Bidirectional, params("AES-256-CBC", "SHA256"));
        CHECK(bidir.open(good, out, 77).ok);  // bidirectional receives with keys[0]: what a sends with
    }
}

TEST_CASE("data channel: replay, reordering, restarts") {
    auto key = capture_key();
    StaticDataChannel a(key, KeyDirection::Normal, params("AES-128-CBC", "SHA1"));
    StaticDataChannel b(key, KeyDirection::Inverse, params("AES-128-CBC", "SHA1"));
    std::vector<std::vector<std::uint8_t>> pkts;
    for (int i = 0; i < 5; ++i) {
        std::vector<std::uint8_t> w(200);
        w.resize(a.seal(pattern(40), w, 500));
        pkts.push_back(w);
    }
    std::uint8_t out[256];
    CHECK(b.open(pkts[0], out, 500).ok);
    CHECK(b.open(pkts[3], out, 500).ok);
    CHECK(b.open(pkts[1], out, 500).ok);  // late but inside the window
    CHECK(b.open(pkts[3], out, 500).reason == Drop::Replay);
    CHECK(b.open(pkts[0], out, 500).reason == Drop::Replay);

    b.reset_receive();
    CHECK(b.open(pkts[0], out, 500).ok);

    // A restarted sender begins at id 1 again with a newer time, even within the same second.
    a.restart_send(500);
    std::vector<std::uint8_t> w(200);
    w.resize(a.seal(pattern(40), w, 500));
    auto r = b.open(w, out, 500);
    REQUIRE(r.ok);
    CHECK(r.id == 1);
    CHECK(r.time == 501);
    CHECK(b.open(pkts[4], out, 500).reason == Drop::Replay);  // old time now rejected
}

TEST_CASE("data channel: configuration errors") {
    auto key = capture_key();
    for (const char* c : {"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305", "AES-128-CTR", "AES-128-CFB",
                          "AES-128-OFB", "AES-128-ECB", "NO-SUCH-CIPHER"}) {
        CAPTURE(c);
        CHECK_THROWS_AS(StaticDataChannel(key, KeyDirection::Normal, params(c, "SHA1")), vpn::ovpn::CryptoError);
    }
    CHECK_THROWS_AS(StaticDataChannel(key, KeyDirection::Normal, params("AES-256-CBC", "NO-SUCH-MD")),
                    vpn::ovpn::CryptoError);
    try {
        StaticDataChannel(key, KeyDirection::Normal, params("AES-256-GCM", "SHA1"));
    } catch (const vpn::ovpn::CryptoError& e) {
        CHECK(std::string(e.what()) == "Cipher 'AES-256-GCM' mode not supported in static-key mode (only CBC ciphers or none)");
    }

    auto one = vpn::pki::StaticKey::from_bytes(key.raw().first(128));
    CHECK_THROWS_AS(StaticDataChannel(one, KeyDirection::Bidirectional, params("AES-256-CBC", "SHA1")),
                    vpn::ovpn::CryptoError);
    CHECK_THROWS_AS(StaticDataChannel(one, KeyDirection::Normal, params("AES-256-CBC", "SHA1")),
                    vpn::ovpn::CryptoError);

    std::vector<std::uint8_t> raw(key.raw().begin(), key.raw().end());
    std::memset(raw.data() + 128, 0, 32);  // keys[1].cipher: zero for AES-256, not for AES-...-CBC beyond 32
    auto zero = vpn::pki::StaticKey::from_bytes(raw);
    CHECK_THROWS_AS(StaticDataChannel(zero, KeyDirection::Normal, params("AES-256-CBC", "SHA1")),
                    vpn::ovpn::CryptoError);
    CHECK_THROWS_AS(StaticDataChannel(zero, KeyDirection::Bidirectional, params("AES-128-CBC", "SHA1")),
                    vpn::ovpn::CryptoError);  // OpenVPN checks both keys, used or not
    CHECK_NOTHROW(StaticDataChannel(zero, KeyDirection::Normal, params("none", "SHA1")));

    CHECK_THROWS_AS(StaticDataChannel(key, KeyDirection::Normal, [] {
                        auto p = params("AES-256-CBC", "SHA1");
                        p.replay_window = 70000;
                        return p;
                    }()),
                    std::invalid_argument);
}

TEST_CASE("data channel: names and overheads") {
    auto key = capture_key();
    StaticDataChannel d(key, KeyDirection::Normal, StaticChannelParams{});  // 2.6 defaults
    CHECK(d.cipher_name() == "BF-CBC");
    CHECK(d.auth_name() == "SHA1");
    CHECK(d.overhead() == 20 + 8 + 8 + 8);
    StaticDataChannel e(key, KeyDirection::Normal, params("aes-256-cbc", "sha256"));
    CHECK(e.cipher_name() == "AES-256-CBC");
    CHECK(e.auth_name() == "SHA256");
    CHECK(e.overhead() == 72);
}
