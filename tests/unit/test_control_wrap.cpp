// tls-auth and tls-crypt wrapping (openvpn-wire.md §5.3, §5.4, §6.3): openvpn's
// test_pkt.c packets, every control packet of four stock 2.6.14 captures unwrapped
// and re-wrapped to the same bytes, tampering, truncation, replay, and the
// AES-256-CTR primitive against NIST SP 800-38A.
#include <doctest/doctest.h>

#include <random>

#include "common/crypto/algorithms.hpp"
#include "common/crypto/ctr_cipher.hpp"
#include "common/openvpn/control/control_packet.hpp"
#include "common/openvpn/control/control_wrap.hpp"
#include "common/openvpn/control/tls_auth.hpp"
#include "common/openvpn/control/tls_crypt.hpp"
#include "control_vectors.hpp"

using namespace vpn::ovpn::control;
using vpn::Bytes;
using vpn::MutBytes;
using vpn::load_be32;
using vpn::store_be16;
using vpn::store_be32;
using vpn::config::KeyDirection;
using vpn::ovpn::Drop;
using control_test::capture;
using control_test::key;
using control_test::test_pkt;
using control_test::unhex;
using Buf = std::vector<std::uint8_t>;

namespace {

constexpr std::int64_t kPktTime = 0x61d3bf6c;  // test_pkt.c packets' long-form time

Buf to_buf(Bytes b) { return Buf(b.begin(), b.end()); }

template <typename W>
Buf wrap(W& w, Bytes plain, std::int64_t now) {
    Buf out(plain.size() + w.overhead());
    const std::size_t n = w.wrap(plain, out, now);
    REQUIRE(n == out.size());
    return out;
}

template <typename W>
Unwrapped unwrap(W& w, const Buf& wire, Buf& out, std::int64_t now, ReplayCheck rc = ReplayCheck::Enforce) {
    out.assign(wire.size(), 0);
    return w.unwrap(wire, out, now, rc);
}

// Tamper with every byte / cut at every length: never accepted, never out of bounds.
template <typename W>
void check_tamper_and_cuts(W& w, const Buf& wire, std::int64_t now) {
    Buf out;
    for (std::size_t i = 0; i < wire.size(); ++i) {
        Buf t = wire;
        t[i] ^= 0x23;
        auto r = unwrap(w, t, out, now, ReplayCheck::Skip);
        CHECK_FALSE(r.ok);
        CHECK(r.reason == Drop::BadHmac);
    }
    for (std::size_t len = 0; len < wire.size(); ++len) {
        Buf t(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(len));
        CHECK_FALSE(unwrap(w, t, out, now, ReplayCheck::Skip).ok);
    }
}

}  // namespace

TEST_CASE("AES-256-CTR: NIST SP 800-38A F.5.5 / F.5.6") {
    const Buf k = unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
    const Buf iv = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    const Buf pt = unhex(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
        "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
    const Buf ct = unhex(
        "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
        "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6");
    vpn::crypto::CtrCipher c(k);
    Buf out(pt.size());
    REQUIRE(c.run(iv.data(), pt.data(), pt.size(), out.data()));
    CHECK(out == ct);
    REQUIRE(c.run(iv.data(), out.data(), out.size(), out.data()));  // in place, counter restarts
    CHECK(out == pt);
    CHECK(c.run(iv.data(), nullptr, 0, nullptr));
    CHECK_THROWS_AS(vpn::crypto::CtrCipher(Bytes(k.data(), 31)), vpn::crypto::CryptoError);
}

TEST_CASE("tls-auth: test_pkt.c packets (SHA1, client key-direction 1)") {
    const auto k = key("test_pkt.key");
    const Buf reset = test_pkt("client_reset_v2_tls_auth");
    const Buf control = test_pkt("client_ack_tls_auth_randomid");
    Buf out;

    TlsAuth server(k, KeyDirection::Normal);  // the server side of a "tls-auth f 1" client
    CHECK(server.overhead() == 28);
    auto r = unwrap(server, reset, out, kPktTime);
    REQUIRE(r.ok);
    auto p = parse_control(r.packet);
    REQUIRE(p.ok());
    CHECK(p.packet.op == Opcode::HardResetClientV2);
    CHECK(p.packet.message_id == 0);
    CHECK(r.packet.size() == 14);
    CHECK(r.replay_id == 1);
    CHECK(r.replay_time == kPktTime);

    auto c = unwrap(server, control, out, kPktTime);
    REQUIRE(c.ok);
    CHECK(c.replay_id == 3);
    auto pc = parse_control(c.packet);
    REQUIRE(pc.ok());
    CHECK(pc.packet.op == Opcode::ControlV1);
    CHECK(pc.packet.acks.empty());
    CHECK(pc.packet.message_id == 1);
    CHECK(pc.packet.payload.size() == 315 - 9 - 28 - 1 - 4);
    CHECK(pc.packet.payload[0] == 0x16);  // a TLS handshake record: the ClientHello

    // The client wraps them back to the very same bytes.
    TlsAuth client(k, KeyDirection::Inverse);
    const Buf plain_reset = unhex("38de694c5c7bfba274" "00" "00000000");
    client.set_send_position(0, static_cast<std::uint32_t>(kPktTime));
    CHECK(wrap(client, plain_reset, kPktTime + 100) == reset);
    CHECK(client.last_sent_id() == 1);

    // Wrong or missing direction: a different HMAC key.
    TlsAuth inverse(k, KeyDirection::Inverse), bidi(k, KeyDirection::Bidirectional);
    CHECK(unwrap(inverse, reset, out, kPktTime).reason == Drop::BadHmac);
    CHECK(unwrap(bidi, reset, out, kPktTime).reason == Drop::BadHmac);

    TlsAuth fresh(k, KeyDirection::Normal);
    check_tamper_and_cuts(fresh, reset, kPktTime);
    check_tamper_and_cuts(fresh, control, kPktTime);
}

TEST_CASE("tls-crypt: test_pkt.c reset") {
    const auto k = key("test_pkt.key");
    const Buf wire = test_pkt("client_reset_v2_tls_crypt");
    Buf out;
    TlsCrypt server(k, true);
    auto r = unwrap(server, wire, out, 0x61d3f8e1);
    REQUIRE(r.ok);
    CHECK(to_buf(r.packet) == unhex("38f419cb12d1f9e48f" "00" "00000000"));
    CHECK(r.replay_id == 1);
    CHECK(r.replay_time == 0x61d3f8e1);

    TlsCrypt client(k, false);
    client.set_send_position(0, 0x61d3f8e1);
    CHECK(wrap(client, r.packet, 0x61d3f8e1) == wire);

    // A client cannot read what a client sent (fixed directions, §11.1).
    TlsCrypt other_client(k, false);
    CHECK(unwrap(other_client, wire, out, 0x61d3f8e1).reason == Drop::BadHmac);
    // tls-auth / plain packets are not tls-crypt ones (test_tls_decrypt_lite_crypt).
    CHECK(unwrap(server, test_pkt("client_reset_v2_tls_auth"), out, 0).reason == Drop::ShortPacket);
    CHECK_FALSE(unwrap(server, test_pkt("client_reset_v2_none"), out, 0).ok);

    TlsCrypt fresh(k, true);
    check_tamper_and_cuts(fresh, wire, 0x61d3f8e1);
}

namespace {

// Unwrap every control packet of a capture on the receiving side, compare with the
// independent Python decode, re-wrap on the sending side to the same bytes.
template <typename Make>
int check_capture(const std::string& file, Make make, bool tcv2 = false) {
    auto c2s_rx = make(true), s2c_rx = make(false);  // receivers: server, client
    auto c2s_tx = make(false), s2c_tx = make(true);  // senders: client, server
    Buf out;
    int n = 0;
    for (const auto& c : capture(file)) {
        if (c.kind == "data") continue;
        CAPTURE(file);
        CAPTURE(n);
        auto& rx = c.from_client ? c2s_rx : s2c_rx;
        auto& tx = c.from_client ? c2s_tx : s2c_tx;
        Buf wire = c.wire;
        Buf wkc;
        if (tcv2 && carries_wkc(classify(wire[0]).op)) {
            auto s = split_wkc(wire);
            REQUIRE(s);
            wkc = to_buf(s->wkc);
            wire = to_buf(s->packet);
            CHECK(wkc == unhex(control_test::read_text("tcv2_wkc.hex")));
        }
        const std::int64_t now = c.replay_time ? c.replay_time : 1795408600;
        auto r = unwrap(*rx, wire, out, now);
        if (c.kind == "opaque") {
            // key_id > 0 packets under dynamic tls-crypt: our tls-auth key must refuse them.
            CHECK(classify(wire[0]).key_id > 0);
            CHECK(r.reason == Drop::BadHmac);
            continue;
        }
        REQUIRE(r.ok);
        CHECK(to_buf(r.packet) == c.plain);
        CHECK(r.replay_id == c.replay_id);
        CHECK(r.replay_time == c.replay_time);
        // Seen once: a second copy is a replay.
        CHECK(unwrap(*rx, wire, out, now).reason == Drop::Replay);

        tx->set_send_position(c.replay_id - 1, c.replay_time);
        Buf again = wrap(*tx, c.plain, now + 1000);
        if (!wkc.empty()) again.insert(again.end(), wkc.begin(), wkc.end());
        CHECK(again == c.wire);
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("captures: every control packet unwraps and re-wraps to the captured bytes") {
    const auto tc = key("tc.key");
    const auto ta = key("ta.key");
    auto crypt = [&](bool server) { return std::make_unique<TlsCrypt>(tc, server); };
    // ta.key: server "tls-auth ta.key 0", client "... 1".
    auto auth = [&](const char* md) {
        return [&ta, md](bool server) {
            return std::make_unique<TlsAuth>(ta, server ? KeyDirection::Normal : KeyDirection::Inverse, md);
        };
    };
    CHECK(check_capture("udp_tlscrypt.txt", crypt) == 14);
    CHECK(check_capture("tcp_tlscrypt.txt", crypt) == 14);
    CHECK(check_capture("udp_tlsauth_sha256.txt", auth("SHA256")) == 14);
    CHECK(check_capture("udp_tlsauth_sha1.txt", auth("SHA1")) == 14);

    const auto kc = key("tcv2_kc.key");
    auto v2 = [&](bool server) { return std::make_unique<TlsCrypt>(kc, server); };
    CHECK(check_capture("udp_tcv2.txt", v2, true) > 10);
}

TEST_CASE("captures: tampered and cut real packets are dropped") {
    const auto tc = key("tc.key");
    const auto ta = key("ta.key");
    auto udp = capture("udp_tlscrypt.txt");
    TlsCrypt server(tc, true);
    check_tamper_and_cuts(server, udp[2].wire, udp[2].replay_time);  // the 343-byte ClientHello packet
    auto sha256 = capture("udp_tlsauth_sha256.txt");
    TlsAuth a(ta, KeyDirection::Normal, "SHA256");
    CHECK(a.overhead() == 40);
    check_tamper_and_cuts(a, sha256[2].wire, sha256[2].replay_time);
}

TEST_CASE("the HMAC firewall runs before the replay window") {
    const auto ta = key("ta.key");
    auto cap = capture("udp_tlsauth_sha1.txt");
    TlsAuth server(ta, KeyDirection::Normal, "SHA1");
    Buf out;
    // A forged packet claiming replay id 1000 must not move the window ...
    Buf forged = cap[2].wire;
    store_be32(forged.data() + 9 + 20, 1000);
    CHECK(unwrap(server, forged, out, cap[2].replay_time).reason == Drop::BadHmac);
    // ... so the genuine packets with ids 1, 2 are still accepted in turn.
    CHECK(unwrap(server, cap[0].wire, out, cap[0].replay_time).ok);
    // Skip mode (stateless first-packet check) authenticates without recording.
    CHECK(unwrap(server, cap[2].wire, out, cap[2].replay_time, ReplayCheck::Skip).ok);
    CHECK(unwrap(server, cap[2].wire, out, cap[2].replay_time).ok);
    CHECK(unwrap(server, cap[2].wire, out, cap[2].replay_time).reason == Drop::Replay);
    server.reset_receive();
    CHECK(unwrap(server, cap[2].wire, out, cap[2].replay_time).ok);
}

TEST_CASE("wrap/unwrap round trips both ways, all digests, payload sizes 0..1300") {
    const auto ta = key("ta.key");
    const auto tc = key("tc.key");
    std::mt19937 rng(7);
    const std::int64_t now = 1795400000;
    auto roundtrip = [&](auto& tx, auto& rx, std::size_t overhead) {
        for (std::size_t len : {9u, 10u, 14u, 15u, 100u, 1300u}) {
            Buf plain(len);
            for (auto& b : plain) b = static_cast<std::uint8_t>(rng());
            plain[0] = 0x20;
            Buf wire = wrap(tx, plain, now);
            CHECK(wire.size() == len + overhead);
            Buf out;
            auto r = unwrap(rx, wire, out, now);
            REQUIRE(r.ok);
            CHECK(to_buf(r.packet) == plain);
            CHECK(r.replay_time == now);
        }
    };
    for (const char* md : {"SHA1", "SHA256", "SHA512"}) {
        CAPTURE(md);
        TlsAuth c(ta, KeyDirection::Inverse, md), s(ta, KeyDirection::Normal, md);
        const std::size_t o = static_cast<std::size_t>(vpn::crypto::DigestAlgorithm::fetch(md).size()) + 8;
        roundtrip(c, s, o);
        roundtrip(s, c, o);
        TlsAuth b1(ta, KeyDirection::Bidirectional, md), b2(ta, KeyDirection::Bidirectional, md);
        roundtrip(b1, b2, o);
    }
    TlsCrypt c(tc, false), s(tc, true);
    roundtrip(c, s, 40);
    roundtrip(s, c, 40);
}

TEST_CASE("wrap refuses bad arguments and exhausted packet ids") {
    const auto tc = key("tc.key");
    TlsCrypt c(tc, false);
    TlsAuth a(key("ta.key"), KeyDirection::Inverse);
    Buf plain = unhex("38f419cb12d1f9e48f0000000000");
    Buf out(200);
    CHECK(c.wrap(Bytes(plain.data(), 8), out, 1) == 0);
    CHECK(a.wrap(Bytes(plain.data(), 8), out, 1) == 0);
    CHECK(c.wrap(plain, MutBytes(out.data(), plain.size() + 39), 1) == 0);
    CHECK(a.wrap(plain, MutBytes(out.data(), plain.size() + 27), 1) == 0);

    // Id 0xFFFFFFFF was the last: no roll-over within the same second ...
    c.set_send_position(0xFFFFFFFF, 500);
    CHECK(c.wrap(plain, out, 500) == 0);
    // ... but a later second starts a new sequence that a receiver accepts.
    REQUIRE(c.wrap(plain, out, 501) == plain.size() + 40);
    CHECK(load_be32(out.data() + 9) == 1);
    CHECK(load_be32(out.data() + 13) == 501);
    TlsCrypt s(tc, true);
    Buf got(out.size());
    CHECK(s.unwrap(Bytes(out.data(), plain.size() + 40), got, 501).ok);

    // Too small an output for unwrap.
    Buf wire(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(plain.size() + 40));
    TlsCrypt s2(tc, true);
    CHECK(s2.unwrap(wire, MutBytes(got.data(), wire.size() - 33), 501).reason == Drop::Oversize);
    CHECK(s2.unwrap(wire, MutBytes(got.data(), wire.size() - 32), 501).ok);
}

TEST_CASE("key checks") {
    const auto full = key("ta.key");
    const auto one = vpn::crypto::Key2::from_bytes(full.raw().first(128));
    CHECK_THROWS_AS(TlsAuth(one, KeyDirection::Normal), vpn::crypto::CryptoError);
    CHECK_NOTHROW(TlsAuth(one, KeyDirection::Bidirectional));
    CHECK_THROWS_AS(TlsAuth(full, KeyDirection::Normal, "none"), vpn::crypto::CryptoError);
    CHECK_THROWS_AS(TlsAuth(full, KeyDirection::Normal, "NOPE"), vpn::crypto::CryptoError);
    CHECK_THROWS_AS(TlsCrypt(one, true), vpn::crypto::CryptoError);
    CHECK_THROWS_AS(TlsAuth(full, KeyDirection::Normal, "SHA1", {70000, 15}), std::invalid_argument);
}

TEST_CASE("ControlWrap dispatches by mode") {
    const auto tc = key("tc.key");
    const auto ta = key("ta.key");
    ControlWrap none;
    ControlWrap auth(TlsAuth(ta, KeyDirection::Normal, "SHA256"));
    ControlWrap crypt(TlsCrypt(tc, true));
    CHECK(none.mode() == WrapMode::None);
    CHECK(auth.mode() == WrapMode::TlsAuth);
    CHECK(crypt.mode() == WrapMode::TlsCrypt);
    CHECK(none.overhead() == 0);
    CHECK(auth.overhead() == 40);
    CHECK(crypt.overhead() == 40);
    CHECK(auth.tls_auth() != nullptr);
    CHECK(crypt.tls_crypt() != nullptr);
    CHECK(none.tls_auth() == nullptr);

    Buf out(100);
    const Buf plain = test_pkt("client_reset_v2_none");
    CHECK(none.wrap(plain, out, 0) == plain.size());
    CHECK(Buf(out.begin(), out.begin() + 14) == plain);
    auto r = none.unwrap(plain, out, 0);
    CHECK(r.ok);
    CHECK(r.packet.data() == plain.data());
    CHECK(none.unwrap(Bytes(plain.data(), 8), out, 0).reason == Drop::ShortPacket);
    CHECK(none.wrap(Bytes(plain.data(), 8), out, 0) == 0);

    auto udp = capture("udp_tlscrypt.txt");
    auto u = crypt.unwrap(udp[0].wire, out, udp[0].replay_time);
    REQUIRE(u.ok);
    CHECK(to_buf(u.packet) == udp[0].plain);
    crypt.reset_receive();
    CHECK(crypt.unwrap(udp[0].wire, out, udp[0].replay_time).ok);
    // The stateless reply's send position: packet id 1 again.
    crypt.set_send_position(0, 0);
    REQUIRE(crypt.wrap(plain, out, 1234) == plain.size() + 40);
    CHECK(load_be32(out.data() + 9) == 1);
    CHECK(load_be32(out.data() + 13) == 1234);
}

TEST_CASE("split_wkc bounds") {
    auto v2 = capture("udp_tcv2.txt");
    auto s = split_wkc(v2[0].wire);
    REQUIRE(s);
    CHECK(s->wkc.size() == 299);
    CHECK(s->packet.size() == v2[0].wire.size() - 299);
    Buf b(20, 0);
    store_be16(b.data() + 18, 1);  // shorter than its own length field
    CHECK_FALSE(split_wkc(b));
    store_be16(b.data() + 18, 12);  // leaves 8 bytes in front
    CHECK_FALSE(split_wkc(b));
    store_be16(b.data() + 18, 11);  // leaves exactly opcode + session id
    CHECK(split_wkc(b));
    Buf big(2000, 0);
    store_be16(big.data() + 1998, 1025);
    CHECK_FALSE(split_wkc(big));
    store_be16(big.data() + 1998, 1024);
    CHECK(split_wkc(big));
    CHECK_FALSE(split_wkc(Bytes(b.data(), 10)));
}
