// OpenVPN 2.6's stateless server handshake (openvpn-wire.md §5.7): the session-id
// HMAC against openvpn's test_pkt.c vector, the acceptance rules of
// check_session_hmac_and_pkt_id, and our stateless reply compared byte for byte
// with the replies of the stock 2.6.14 UDP servers in the captures.
#include <doctest/doctest.h>

#include "common/openvpn/control/control_packet.hpp"
#include "common/openvpn/control/reset_packet.hpp"
#include "common/openvpn/control/session_cookie.hpp"
#include "common/openvpn/control/tls_auth.hpp"
#include "common/openvpn/control/tls_crypt.hpp"
#include "control_vectors.hpp"

using namespace vpn::ovpn::control;
using vpn::Bytes;
using vpn::config::KeyDirection;
using control_test::capture;
using control_test::key;
using control_test::test_pkt;
using control_test::unhex;
using Buf = std::vector<std::uint8_t>;

namespace {

// A Linux little-endian struct sockaddr_in as openvpn hashes it: sin_family in host
// order, then port and address in network order, then 8 zero bytes.
Buf sockaddr_in_le(std::uint16_t port, std::uint32_t addr) {
    Buf b(16, 0);
    b[0] = 2;  // AF_INET
    vpn::store_be16(b.data() + 2, port);
    vpn::store_be32(b.data() + 4, addr);
    return b;
}

SessionId sid_of(const std::string& hex) {
    SessionId s{};
    Buf b = unhex(hex);
    std::copy(b.begin(), b.end(), s.begin());
    return s;
}

}  // namespace

TEST_CASE("session id HMAC: test_pkt.c test_calc_session_id_hmac_static") {
    Buf k(32, 0);
    k[0] = 1, k[1] = 2, k[2] = 3;
    SessionCookie cookie(k);
    // sin_addr = ntohl(0xff000ff) stored little-endian: 0f f0 00 ff; port 1195.
    const Buf addr = sockaddr_in_le(1195, 0x0ff000ff);
    const SessionId client = sid_of("0001020304050607");
    const int hw = 100;  // slots of 50 s

    const SessionId at1005 = cookie.server_session_id(client, addr, 1005, hw, 0);
    CHECK(at1005 == sid_of("8beb3d201453be0a"));  // openvpn's value for Linux little-endian
    const SessionId m1 = cookie.server_session_id(client, addr, 1005, hw, -1);
    const SessionId p1 = cookie.server_session_id(client, addr, 1005, hw, 1);
    const SessionId p2 = cookie.server_session_id(client, addr, 1005, hw, 2);
    CHECK(m1 != at1005);
    CHECK(p1 != at1005);
    // One slot later everything shifts by one.
    CHECK(cookie.server_session_id(client, addr, 1062, hw, -2) == m1);
    CHECK(cookie.server_session_id(client, addr, 1062, hw, -1) == at1005);
    CHECK(cookie.server_session_id(client, addr, 1062, hw, 0) == p1);
    CHECK(cookie.server_session_id(client, addr, 1062, hw, 1) == p2);

    // Everything in the input matters.
    CHECK(cookie.server_session_id(sid_of("0001020304050608"), addr, 1005, hw) != at1005);
    CHECK(cookie.server_session_id(client, sockaddr_in_le(1196, 0x0ff000ff), 1005, hw) != at1005);
    Buf other(32, 0);
    CHECK(SessionCookie(other).server_session_id(client, addr, 1005, hw) != at1005);
    // Random keys differ.
    SessionCookie r1, r2;
    CHECK(r1.server_session_id(client, addr, 1005, hw) != r2.server_session_id(client, addr, 1005, hw));
    CHECK_THROWS_AS(cookie.server_session_id(client, Buf(129), 1005, hw), std::invalid_argument);
    CHECK_THROWS_AS(SessionCookie(Buf(31)), std::invalid_argument);
    // hand-window 0 must not divide by zero.
    CHECK(is_defined(cookie.server_session_id(client, addr, 1005, 0)));
}

TEST_CASE("verify: test_pkt.c test_verify_hmac_none and out-of-range acks") {
    SessionCookie cookie;
    const Buf addr = sockaddr_in_le(0, 0x01020304);
    const int hw = 30;  // slots of 15 s: (975,990) (990,1005) (1005,1020) (1020,1035) (1035,1050)

    const Buf ack_bytes = test_pkt("client_ack_none_random_id");
    auto ack = parse_control(ack_bytes).packet;
    CHECK_FALSE(cookie.verify(ack, addr, 1000, hw));  // a random id, not ours
    CHECK(ack.session_id == sid_of("aeb9afe1f01d79c8"));
    ack.remote_session_id = cookie.server_session_id(ack.session_id, addr, 1000, hw);
    CHECK(cookie.verify(ack, addr, 1000, hw));
    for (std::int64_t now : {1002, 1010, 1022}) CHECK(cookie.verify(ack, addr, now, hw));
    for (std::int64_t now : {980, 1040}) CHECK_FALSE(cookie.verify(ack, addr, now, hw));
    CHECK_FALSE(cookie.verify(ack, sockaddr_in_le(0, 0x01020305), 1000, hw));

    SUBCASE("what a stateless server must refuse") {
        ControlPacket p = ack;
        p.session_id[7] ^= 1;  // another client session
        CHECK_FALSE(cookie.verify(p, addr, 1000, hw));
        p = ack;
        p.acks = AckList{0, 1, 2};  // client_ack_123_none_random_id: acks 2
        CHECK_FALSE(cookie.verify(p, addr, 1000, hw));
        p.acks = AckList{1, 0};
        CHECK(cookie.verify(p, addr, 1000, hw));
        p.acks.clear();  // no ack record, no proof
        CHECK_FALSE(cookie.verify(p, addr, 1000, hw));
        p = ack;
        p.op = Opcode::ControlV1;
        p.message_id = 2;
        CHECK_FALSE(cookie.verify(p, addr, 1000, hw));
        p.message_id = 1;
        CHECK(cookie.verify(p, addr, 1000, hw));
        p.op = Opcode::ControlWkcV1;
        CHECK(cookie.verify(p, addr, 1000, hw));
        p.key_id = 1;
        CHECK_FALSE(cookie.verify(p, addr, 1000, hw));
        p = ack;
        p.op = Opcode::HardResetClientV2;
        CHECK_FALSE(cookie.verify(p, addr, 1000, hw));
    }
}

TEST_CASE("stateless reply: byte-identical to stock 2.6 UDP servers' replies") {
    Buf out(512);
    SUBCASE("tls-crypt (cap_udp_tlscrypt)") {
        auto cap = capture("udp_tlscrypt.txt");
        auto client_reset = parse_control(cap[0].plain).packet;
        auto stock = parse_control(cap[1].plain).packet;
        ControlPacket mine = stateless_reset_reply(stock.session_id, client_reset.session_id);
        Buf plain(encoded_size(mine));
        REQUIRE(build_control(mine, plain) == plain.size());
        CHECK(plain == cap[1].plain);
        TlsCrypt server(key("tc.key"), true);
        server.set_send_position(0, 0);
        const std::size_t n = server.wrap(plain, out, cap[1].replay_time);
        CHECK(Buf(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)) == cap[1].wire);

        // The stock client's next packet completes the handshake with our cookie:
        // it acks [0] naming our session id and carries message 1.
        SessionCookie cookie;
        const Buf addr = sockaddr_in_le(40000, 0x7f000001);
        const std::int64_t now = cap[0].replay_time;
        auto third = parse_control(cap[2].plain).packet;
        CHECK(third.remote_session_id == stock.session_id);
        third.remote_session_id = cookie.server_session_id(client_reset.session_id, addr, now, 60);
        CHECK(cookie.verify(third, addr, now + 1, 60));
        CHECK(cookie.verify(third, addr, now + 59, 60));  // at least one hand-window
        CHECK_FALSE(cookie.verify(third, addr, now + 91, 60));
    }
    SUBCASE("tls-auth SHA256 and SHA1") {
        for (auto [file, md] : {std::pair{"udp_tlsauth_sha256.txt", "SHA256"}, std::pair{"udp_tlsauth_sha1.txt", "SHA1"}}) {
            CAPTURE(file);
            auto cap = capture(file);
            auto client_reset = parse_control(cap[0].plain).packet;
            auto stock = parse_control(cap[1].plain).packet;
            Buf plain(64);
            const std::size_t len =
                build_control(stateless_reset_reply(stock.session_id, client_reset.session_id), plain);
            plain.resize(len);
            CHECK(plain == cap[1].plain);
            TlsAuth server(key("ta.key"), KeyDirection::Normal, md);
            server.set_send_position(0, 0);
            const std::size_t n = server.wrap(plain, out, cap[1].replay_time);
            CHECK(Buf(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)) == cap[1].wire);
        }
    }
    SUBCASE("tls-crypt-v2 with the early-negotiation flag (cap_udp_tcv2)") {
        auto cap = capture("udp_tcv2.txt");
        auto client_reset = parse_control(cap[0].plain).packet;
        REQUIRE(client_reset.op == Opcode::HardResetClientV3);
        REQUIRE(announces_early_negotiation(cap[0].replay_id));
        auto stock = parse_control(cap[1].plain).packet;
        Buf tlv(6);
        REQUIRE(build_early_negotiation({.resend_wkc = true}, tlv) == 6);
        Buf plain(64);
        plain.resize(build_control(stateless_reset_reply(stock.session_id, client_reset.session_id, tlv), plain));
        CHECK(plain == cap[1].plain);
        TlsCrypt server(key("tcv2_kc.key"), true);
        server.set_send_position(0, 0);
        const std::size_t n = server.wrap(plain, out, cap[1].replay_time);
        CHECK(Buf(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)) == cap[1].wire);
        // The client answered with P_CONTROL_WKC_V1, message 1, acking 0.
        auto third = parse_control(cap[2].plain).packet;
        CHECK(third.op == Opcode::ControlWkcV1);
        CHECK(third.acks == AckList{0});
        CHECK(third.message_id == 1);
    }
}
