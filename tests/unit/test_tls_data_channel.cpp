// TLS-mode data channel (openvpn-wire.md §3.3-3.5, §7.4): the openvpn3 AES-GCM KAT,
// whole AEAD datagrams computed by python3-cryptography, real AES-256-CBC packets of
// two stock 2.6.14 peers across four key_ids, round trips for every cipher, and every
// truncation and bit flip.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/crypto/aead_cipher.hpp"
#include "common/openvpn/tls_data_channel.hpp"

using vpn::Bytes;
using vpn::MutBytes;
using vpn::crypto::Key2;
using vpn::ovpn::DataHeader;
using vpn::ovpn::DataOpcode;
using vpn::ovpn::Drop;
using vpn::ovpn::TlsChannelParams;
using vpn::ovpn::TlsDataChannel;
using vpn::ovpn::TlsRole;

namespace {

const std::string kDir = std::string(VPN_SOURCE_DIR) + "/tests/vectors/openvpn/tls/";
constexpr std::int64_t kNow = 1795408600;

std::vector<std::uint8_t> unhex(const std::string& h) {
    std::vector<std::uint8_t> v;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        v.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return v;
}

std::vector<std::vector<std::string>> load(const std::string& file) {
    std::ifstream f(kDir + file);
    REQUIRE(f.good());
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(f, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream s(line);
        std::vector<std::string> w;
        for (std::string x; s >> x;) w.push_back(x);
        rows.push_back(std::move(w));
    }
    return rows;
}

TlsChannelParams params(const std::string& cipher, const std::string& auth = "SHA1") {
    TlsChannelParams p;
    p.cipher = cipher;
    p.auth = auth;
    return p;
}

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed = 1) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 13);
    return v;
}

Key2 test_key2(std::uint8_t seed = 7) { return Key2::from_bytes(pattern(256, seed)); }

bool same(Bytes a, const std::vector<std::uint8_t>& b) {
    return a.size() == b.size() && (b.empty() || std::memcmp(a.data(), b.data(), b.size()) == 0);
}

std::vector<std::uint8_t> seal(TlsDataChannel& ch, const std::vector<std::uint8_t>& payload, const DataHeader& h) {
    std::vector<std::uint8_t> out(payload.size() + ch.overhead(h.op));
    const std::size_t n = ch.seal(payload, out, h);
    REQUIRE(n > 0);
    REQUIRE(n <= out.size());
    out.resize(n);
    return out;
}

const char* kAllCiphers[][2] = {
    {"AES-128-GCM", "SHA1"},   {"AES-192-GCM", "SHA1"},    {"AES-256-GCM", "SHA1"},
    {"CHACHA20-POLY1305", ""}, {"AES-128-CBC", "SHA1"},    {"AES-256-CBC", "SHA256"},
    {"AES-256-CBC", "SHA512"}, {"AES-192-CBC", "SHA384"},  {"none", "SHA256"},
    {"AES-256-CBC", "none"},   {"none", "none"},
};

}  // namespace

TEST_CASE("openvpn3 AES-256-GCM data channel KAT through AeadCipher") {
    const auto rows = load("aead.txt");
    bool found = false;
    for (const auto& r : rows) {
        if (r[0] != "kat") continue;
        found = true;
        const auto aad = unhex(r[1]), nonce = unhex(r[2]), key = unhex(r[3]), pt = unhex(r[4]), tag = unhex(r[5]),
                   ct = unhex(r[6]);
        CHECK(r[5] == "1fdd908f0e9dc25e79d832020d58e73f");
        const auto alg = vpn::crypto::CipherAlgorithm::fetch("AES-256-GCM");
        vpn::crypto::AeadCipher enc(alg, key, true), dec(alg, key, false);
        std::vector<std::uint8_t> out(pt.size()), got_tag(16);
        REQUIRE(enc.seal(nonce.data(), aad, pt.data(), pt.size(), out.data(), got_tag.data()));
        CHECK(got_tag == tag);
        CHECK(out == ct);
        std::vector<std::uint8_t> back(ct.size());
        CHECK(dec.open(nonce.data(), aad, ct.data(), ct.size(), back.data(), tag.data()));
        CHECK(back == pt);
        auto bad = tag;
        bad[15] ^= 1;
        CHECK_FALSE(dec.open(nonce.data(), aad, ct.data(), ct.size(), back.data(), bad.data()));
        auto bad_aad = aad;
        bad_aad[0] ^= 0x80;
        CHECK_FALSE(dec.open(nonce.data(), bad_aad, ct.data(), ct.size(), back.data(), tag.data()));
    }
    CHECK(found);
}

TEST_CASE("AEAD datagrams match the independent python encoder, both roles, V1 and V2") {
    const auto rows = load("aead.txt");
    Key2 key;
    int checked = 0;
    for (const auto& r : rows) {
        if (r[0] == "key2") key = Key2::from_bytes(unhex(r[1]));
        if (r[0] != "pkt") continue;
        CAPTURE(r[1]);
        CAPTURE(r[2]);
        CAPTURE(r[5].substr(0, 8));
        const bool client_sends = r[2] == "C";
        TlsDataChannel sender(key, client_sends ? TlsRole::Client : TlsRole::Server, params(r[1]));
        TlsDataChannel receiver(key, client_sends ? TlsRole::Server : TlsRole::Client, params(r[1]));
        const auto payload = unhex(r[4]), dgram = unhex(r[5]);
        const auto h = vpn::ovpn::parse_data_header(dgram);
        REQUIRE(h);
        const std::uint32_t id = static_cast<std::uint32_t>(std::stoul(r[3]));
        sender.set_last_sent_id_for_testing(id - 1);
        CHECK(seal(sender, payload, *h) == dgram);

        std::vector<std::uint8_t> out(dgram.size());
        const auto o = receiver.open(dgram, out, kNow);
        REQUIRE(o.ok);
        CHECK(same(o.payload, payload));
        CHECK(o.id == id);
        CHECK(o.header == *h);
        // The sender cannot open its own packets: the directions use different keys
        // (for AES-GCM here even the same cipher key, but a different implicit IV).
        CHECK(sender.open(dgram, out, kNow).reason == Drop::BadHmac);
        ++checked;
    }
    CHECK(checked == 4 * 2 * 3 * 3);
}

namespace {

// keys[0] = client->server (the client's "Outgoing" keys), keys[1] = server->client.
Key2 capture_key2(const std::vector<std::string>& row) {
    std::vector<std::uint8_t> k(256, 0);
    const auto c2s_c = unhex(row[2]), c2s_h = unhex(row[3]), s2c_c = unhex(row[4]), s2c_h = unhex(row[5]);
    std::memcpy(k.data(), c2s_c.data(), c2s_c.size());
    std::memcpy(k.data() + 64, c2s_h.data(), c2s_h.size());
    std::memcpy(k.data() + 128, s2c_c.data(), s2c_c.size());
    std::memcpy(k.data() + 192, s2c_h.data(), s2c_h.size());
    return Key2::from_bytes(k);
}

void check_capture(const std::string& file, const std::string& auth, int expect_packets, int expect_keys) {
    const auto rows = load(file);
    std::vector<TlsDataChannel> server, client;  // per key_id
    int packets = 0;
    for (const auto& r : rows) {
        if (r[0] == "key") {
            const Key2 k = capture_key2(r);
            server.emplace_back(k, TlsRole::Server, params("AES-256-CBC", auth));
            client.emplace_back(k, TlsRole::Client, params("AES-256-CBC", auth));
            continue;
        }
        const bool c2s = r[1] == "C2S";
        const auto dgram = unhex(r[3]), payload = unhex(r[4]);
        const auto h = vpn::ovpn::parse_data_header(dgram);
        REQUIRE(h);
        REQUIRE(h->key_id < server.size());
        CAPTURE(packets);
        auto& rx = c2s ? server[h->key_id] : client[h->key_id];
        auto& wrong = c2s ? client[h->key_id] : server[h->key_id];
        std::vector<std::uint8_t> out(dgram.size());
        CHECK(wrong.open(dgram, out, kNow).reason == Drop::BadHmac);
        const auto o = rx.open(dgram, out, kNow);
        REQUIRE(o.ok);
        CHECK(o.id == std::stoul(r[2]));
        CHECK(same(o.payload, payload));
        CHECK(o.header.op == DataOpcode::V2);
        CHECK(rx.open(dgram, out, kNow).reason == Drop::Replay);
        // Another key_id's keys do not open it.
        if (server.size() > 1) {
            auto& other = c2s ? server[(h->key_id + 1) % server.size()] : client[(h->key_id + 1) % client.size()];
            CHECK(other.open(dgram, out, kNow).reason == Drop::BadHmac);
        }
        ++packets;
    }
    CHECK(packets == expect_packets);
    CHECK(static_cast<int>(server.size()) == expect_keys);
}

}  // namespace

TEST_CASE("real AES-256-CBC/SHA256 packets of stock 2.6.14 peers, key_ids 0..3") {
    check_capture("cbc_tlsauth2.txt", "SHA256", 24, 4);
}

TEST_CASE("real AES-256-CBC/SHA1 packets of stock 2.6.14 peers") { check_capture("cbc_lzo.txt", "SHA1", 9, 1); }

TEST_CASE("round trips for every cipher, V1 and V2, many sizes, in place") {
    const Key2 key = test_key2();
    for (const auto& c : kAllCiphers) {
        CAPTURE(c[0]);
        CAPTURE(c[1]);
        TlsDataChannel cli(key, TlsRole::Client, params(c[0], c[1]));
        TlsDataChannel srv(key, TlsRole::Server, params(c[0], c[1]));
        std::uint32_t expect_id = 0;
        for (DataOpcode op : {DataOpcode::V1, DataOpcode::V2}) {
            for (std::size_t n : {1u, 15u, 16u, 17u, 31u, 100u, 1400u}) {
                const DataHeader h{op, static_cast<std::uint8_t>(n % 8), op == DataOpcode::V2 ? 0x123456u : vpn::ovpn::kNoPeerId};
                const auto payload = pattern(n, static_cast<std::uint8_t>(n));
                // Client -> server, payload already in place.
                std::vector<std::uint8_t> buf(n + cli.overhead(op));
                std::memcpy(buf.data() + cli.payload_offset(op), payload.data(), n);
                const std::size_t len = cli.seal(Bytes(buf.data() + cli.payload_offset(op), n), buf, h);
                REQUIRE(len > 0);
                CHECK(len <= n + cli.overhead(op));
                std::vector<std::uint8_t> out(len);
                auto o = srv.open(Bytes(buf.data(), len), out, kNow);
                REQUIRE(o.ok);
                CHECK(same(o.payload, payload));
                CHECK(o.header == h);
                CHECK(o.id == ++expect_id);
                // Server -> client, payload copied.
                const auto back = seal(srv, payload, h);
                std::vector<std::uint8_t> out2(back.size());
                o = cli.open(back, out2, kNow);
                REQUIRE(o.ok);
                CHECK(same(o.payload, payload));
            }
        }
    }
}

TEST_CASE("AEAD overhead and layout: tag before ciphertext, 24 bytes with V2") {
    const Key2 key = test_key2();
    TlsDataChannel cli(key, TlsRole::Client, params("AES-256-GCM"));
    CHECK(cli.overhead(DataOpcode::V2) == 24);
    CHECK(cli.overhead(DataOpcode::V1) == 21);
    const auto pkt = seal(cli, pattern(48), DataHeader{DataOpcode::V2, 3, 7});
    CHECK(pkt.size() == 72);  // the 72-byte / 48-byte payload pair of §3.5
    CHECK(pkt[0] == (0x48 | 3));
    CHECK(pkt[1] == 0);
    CHECK(pkt[3] == 7);
    CHECK(vpn::load_be32(pkt.data() + 4) == 1);
    TlsDataChannel cbc(key, TlsRole::Client, params("AES-256-CBC", "SHA256"));
    // 4 + 32 + 16 + 32: the 84-byte ping of §3.4 (16-byte ping + 1 framing byte).
    CHECK(seal(cbc, pattern(17), DataHeader{DataOpcode::V2, 0, 0}).size() == 84);
}

TEST_CASE("every truncation and every bit flip is dropped, except unauthenticated header bits") {
    const Key2 key = test_key2(3);
    for (const auto& c : kAllCiphers) {
        // Without an HMAC a CBC packet is not authenticated at all (see the next test).
        if (std::string(c[1]) == "none") continue;
        for (DataOpcode op : {DataOpcode::V1, DataOpcode::V2}) {
            CAPTURE(c[0]);
            CAPTURE(c[1]);
            CAPTURE(static_cast<int>(op));
            TlsDataChannel cli(key, TlsRole::Client, params(c[0], c[1]));
            TlsDataChannel srv(key, TlsRole::Server, params(c[0], c[1]));
            const DataHeader h{op, 2, 0x00abcd};
            const auto pkt = seal(cli, pattern(40), h);
            std::vector<std::uint8_t> out(pkt.size());
            for (std::size_t len = 0; len < pkt.size(); ++len) {
                CAPTURE(len);
                CHECK_FALSE(srv.open(Bytes(pkt.data(), len), out, kNow).ok);
            }
            const bool aead = cli.is_aead();
            const std::size_t hlen = op == DataOpcode::V2 ? 4 : 1;
            for (std::size_t bit = 0; bit < pkt.size() * 8; ++bit) {
                auto bad = pkt;
                bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
                const std::size_t byte = bit / 8;
                const bool key_id_bit = byte == 0 && bit % 8 < 3;
                // Not authenticated: the key_id with V1 (AEAD AAD = packet id only) and with
                // CBC, and the peer-id with CBC (the HMAC covers IV | ciphertext only).  The
                // opcode bits are safe: no single flip turns 6 or 9 into another data opcode.
                const bool unauthenticated =
                    byte < hlen && (key_id_bit || byte > 0) && !(aead && op == DataOpcode::V2);
                CAPTURE(bit);
                if (unauthenticated) {
                    TlsDataChannel fresh(key, TlsRole::Server, params(c[0], c[1]));
                    const auto o = fresh.open(bad, out, kNow);
                    REQUIRE(o.ok);
                    CHECK_FALSE(o.header == h);
                    CHECK(same(o.payload, pattern(40)));
                } else {
                    CHECK_FALSE(srv.open(bad, out, kNow).ok);
                }
            }
            // The original still opens.
            CHECK(srv.open(pkt, out, kNow).ok);
        }
    }
}

TEST_CASE("auth none: tampering a CBC packet is caught only by the padding, if at all") {
    // The codec cannot authenticate what it has no key for; document the behaviour.
    const Key2 key = test_key2();
    TlsDataChannel cli(key, TlsRole::Client, params("AES-256-CBC", "none"));
    TlsDataChannel srv(key, TlsRole::Server, params("AES-256-CBC", "none"));
    const auto pkt = seal(cli, pattern(40), DataHeader{DataOpcode::V1, 0, 0});
    auto bad = pkt;
    bad[1] ^= 1;  // IV bit: flips the first plaintext block (the packet id)
    std::vector<std::uint8_t> out(pkt.size());
    const auto o = srv.open(bad, out, kNow);
    REQUIRE(o.ok);
    CHECK(o.id == (1u ^ 0x01000000u));
}

TEST_CASE("AEAD: V2 header is authenticated, V1 opcode byte and CBC header are not") {
    const Key2 key = test_key2();
    std::vector<std::uint8_t> out(200);
    {
        TlsDataChannel cli(key, TlsRole::Client, params("AES-256-GCM"));
        TlsDataChannel srv(key, TlsRole::Server, params("AES-256-GCM"));
        auto v2 = seal(cli, pattern(30), DataHeader{DataOpcode::V2, 1, 5});
        v2[3] = 6;  // another peer-id
        CHECK(srv.open(v2, out, kNow).reason == Drop::BadHmac);
        auto v1 = seal(cli, pattern(30), DataHeader{DataOpcode::V1, 1, 0});
        v1[0] = 0x30 | 4;  // another key_id: not in the AAD
        const auto o = srv.open(v1, out, kNow);
        REQUIRE(o.ok);
        CHECK(o.header.key_id == 4);
    }
    {
        TlsDataChannel cli(key, TlsRole::Client, params("AES-128-CBC", "SHA1"));
        TlsDataChannel srv(key, TlsRole::Server, params("AES-128-CBC", "SHA1"));
        auto v2 = seal(cli, pattern(30), DataHeader{DataOpcode::V2, 1, 5});
        v2[3] = 6;
        const auto o = srv.open(v2, out, kNow);
        REQUIRE(o.ok);
        CHECK(o.header.peer_id == 6);
    }
}

TEST_CASE("packet ids: short form, replay window, close to wrapping, never wrap") {
    const Key2 key = test_key2();
    TlsDataChannel cli(key, TlsRole::Client, params("AES-256-GCM"));
    TlsDataChannel srv(key, TlsRole::Server, params("AES-256-GCM"));
    const DataHeader h{DataOpcode::V2, 0, 1};
    std::vector<std::vector<std::uint8_t>> pkts;
    for (int i = 0; i < 70; ++i) pkts.push_back(seal(cli, pattern(20), h));
    std::vector<std::uint8_t> out(100);
    // Deliver 70, then 1 (more than 64 behind: too old), then 10 (already seen).
    CHECK(srv.open(pkts[69], out, kNow).ok);
    CHECK(srv.open(pkts[0], out, kNow).reason == Drop::Replay);
    CHECK(srv.open(pkts[10], out, kNow).ok);  // 60 behind: inside the window
    CHECK(srv.open(pkts[10], out, kNow).reason == Drop::Replay);
    CHECK(srv.open(pkts[69], out, kNow).reason == Drop::Replay);

    CHECK_FALSE(cli.packet_id_close_to_wrapping());
    cli.set_last_sent_id_for_testing(0xFEFFFFFE);
    seal(cli, pattern(20), h);  // id 0xFEFFFFFF
    CHECK_FALSE(cli.packet_id_close_to_wrapping());
    seal(cli, pattern(20), h);  // id 0xFF000000
    CHECK(cli.packet_id_close_to_wrapping());
    cli.set_last_sent_id_for_testing(0xFFFFFFFE);
    const auto last = seal(cli, pattern(20), h);
    CHECK(vpn::load_be32(last.data() + 4) == 0xFFFFFFFF);
    const auto o = srv.open(last, out, kNow);
    REQUIRE(o.ok);
    CHECK(o.id == 0xFFFFFFFF);
    std::vector<std::uint8_t> buf(100);
    CHECK(cli.seal(pattern(20), buf, h) == 0);  // no roll-over in short form
    CHECK(cli.last_sent_id() == 0xFFFFFFFF);
}

TEST_CASE("short and odd datagrams") {
    const Key2 key = test_key2();
    std::vector<std::uint8_t> out(100);
    for (const char* cipher : {"AES-256-GCM", "AES-256-CBC"}) {
        CAPTURE(cipher);
        TlsDataChannel cli(key, TlsRole::Client, params(cipher, "SHA256"));
        TlsDataChannel srv(key, TlsRole::Server, params(cipher, "SHA256"));
        CHECK(srv.open(Bytes{}, out, kNow).reason == Drop::ShortPacket);
        const std::uint8_t v2_short[] = {0x48, 0, 0};
        CHECK(srv.open(v2_short, out, kNow).reason == Drop::ShortPacket);
        const std::uint8_t control[] = {0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
        CHECK(srv.open(control, out, kNow).reason == Drop::BadCiphertext);
        const auto pkt = seal(cli, pattern(60), DataHeader{DataOpcode::V1, 0, 0});
        std::vector<std::uint8_t> small(10);
        CHECK(srv.open(pkt, small, kNow).reason == Drop::Oversize);
        std::vector<std::uint8_t> tiny(pkt.size() - 1);
        CHECK_THROWS_AS(cli.seal(pattern(60), tiny, DataHeader{DataOpcode::V1, 0, 0}), std::length_error);
        std::vector<std::uint8_t> buf(200);
        CHECK_THROWS_AS(cli.seal(pattern(10), buf, DataHeader{DataOpcode::V2, 8, 0}), std::invalid_argument);
        CHECK_THROWS_AS(cli.seal(pattern(10), buf, DataHeader{DataOpcode::V2, 0, 0x1000000}), std::invalid_argument);
    }
    // An AEAD packet with no payload byte: stock 2.6 drops it ("missing payload"), so do we.
    TlsDataChannel cli(key, TlsRole::Client, params("CHACHA20-POLY1305"));
    TlsDataChannel srv(key, TlsRole::Server, params("CHACHA20-POLY1305"));
    const auto empty = seal(cli, {}, DataHeader{DataOpcode::V2, 0, 0});
    CHECK(empty.size() == 24);
    CHECK(srv.open(empty, out, kNow).reason == Drop::ShortPacket);
    // A CBC ciphertext that is not whole blocks (with a valid-length HMAC area).
    TlsDataChannel cbc_cli(key, TlsRole::Client, params("AES-128-CBC", "none"));
    TlsDataChannel cbc_srv(key, TlsRole::Server, params("AES-128-CBC", "none"));
    auto pkt = seal(cbc_cli, pattern(20), DataHeader{DataOpcode::V1, 0, 0});
    pkt.pop_back();
    CHECK(cbc_srv.open(pkt, out, kNow).reason == Drop::BadCiphertext);
}

TEST_CASE("parse_data_header") {
    const std::uint8_t v1[] = {0x33};
    auto h = vpn::ovpn::parse_data_header(v1);
    REQUIRE(h);
    CHECK(h->op == DataOpcode::V1);
    CHECK(h->key_id == 3);
    CHECK(h->peer_id == vpn::ovpn::kNoPeerId);
    const std::uint8_t v2[] = {0x4f, 0x12, 0x34, 0x56};
    h = vpn::ovpn::parse_data_header(v2);
    REQUIRE(h);
    CHECK(h->op == DataOpcode::V2);
    CHECK(h->key_id == 7);
    CHECK(h->peer_id == 0x123456);
    const std::uint8_t v2_short[] = {0x48, 0x00, 0x00};
    CHECK_FALSE(vpn::ovpn::parse_data_header(v2_short));
    const std::uint8_t reset[] = {0x38, 0, 0, 0};  // P_CONTROL_HARD_RESET_CLIENT_V2
    CHECK_FALSE(vpn::ovpn::parse_data_header(reset));
    CHECK_FALSE(vpn::ovpn::parse_data_header(Bytes{}));
}

TEST_CASE("constructor refusals") {
    const Key2 key = test_key2();
    CHECK_THROWS_AS(TlsDataChannel(key, TlsRole::Client, params("AES-256-CTR")), vpn::crypto::CryptoError);
    CHECK_THROWS_AS(TlsDataChannel(key, TlsRole::Client, params("AES-256-OFB")), vpn::crypto::CryptoError);
    CHECK_THROWS_AS(TlsDataChannel(key, TlsRole::Client, params("AES-128-CCM")), vpn::crypto::CryptoError);
    CHECK_THROWS_AS(TlsDataChannel(key, TlsRole::Client, params("NO-SUCH-CIPHER")), vpn::crypto::CryptoError);
    CHECK_THROWS_AS(TlsDataChannel(key, TlsRole::Client, params("AES-256-CBC", "NO-SUCH-DIGEST")), vpn::crypto::CryptoError);
    // --auth is ignored with AEAD, even a bogus one.
    CHECK_NOTHROW(TlsDataChannel(key, TlsRole::Client, params("AES-256-GCM", "NO-SUCH-DIGEST")));
    CHECK_THROWS_AS(TlsDataChannel(Key2::from_bytes(pattern(128)), TlsRole::Client, params("AES-256-GCM")),
                    vpn::crypto::CryptoError);
    auto raw = pattern(256);
    std::memset(raw.data() + 128, 0, 32);  // keys[1] cipher part all zero
    CHECK_THROWS_AS(TlsDataChannel(Key2::from_bytes(raw), TlsRole::Client, params("AES-256-GCM")),
                    vpn::crypto::CryptoError);
    // Only the used length counts: AES-128 uses 16 bytes.
    std::memset(raw.data() + 128, 0, 16);
    std::memset(raw.data() + 128 + 16, 1, 16);
    CHECK_THROWS(TlsDataChannel(Key2::from_bytes(raw), TlsRole::Client, params("AES-128-GCM")));
    CHECK_NOTHROW(TlsDataChannel(Key2::from_bytes(raw), TlsRole::Client, params("AES-256-GCM")));
    TlsChannelParams p = params("AES-256-GCM");
    p.replay_window = 70000;
    CHECK_THROWS_AS(TlsDataChannel(key, TlsRole::Client, p), std::invalid_argument);
}

TEST_CASE("BF-CBC through the legacy provider, if installed") {
    if (!vpn::crypto::load_legacy_provider()) return;
    const Key2 key = test_key2();
    TlsDataChannel cli(key, TlsRole::Client, params("BF-CBC", "SHA1"));
    TlsDataChannel srv(key, TlsRole::Server, params("BF-CBC", "SHA1"));
    CHECK(cli.overhead(DataOpcode::V1) == 1 + 20 + 8 + 4 + 8);
    const auto pkt = seal(cli, pattern(33), DataHeader{DataOpcode::V1, 0, 0});
    std::vector<std::uint8_t> out(pkt.size());
    const auto o = srv.open(pkt, out, kNow);
    REQUIRE(o.ok);
    CHECK(same(o.payload, pattern(33)));
}
