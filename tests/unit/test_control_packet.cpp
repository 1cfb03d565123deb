// Control packet codec (openvpn-wire.md §5.1, §5.2), reset checks and early
// negotiation (§5.6, §5.7): openvpn's test_pkt.c packets, every plain packet of the
// captures, round trips, every truncation and random input.
#include <doctest/doctest.h>

#include <random>

#include "common/openvpn/control/control_packet.hpp"
#include "common/openvpn/control/reset_packet.hpp"
#include "control_vectors.hpp"

using namespace vpn::ovpn::control;
using control_test::capture;
using control_test::test_pkt;
using control_test::unhex;
using Buf = std::vector<std::uint8_t>;

namespace {

SessionId sid(std::uint64_t v) {
    SessionId s;
    for (int i = 7; i >= 0; --i, v >>= 8) s[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    return s;
}

Buf build(const ControlPacket& p) {
    Buf out(encoded_size(p));
    REQUIRE(build_control(p, out) == out.size());
    return out;
}

}  // namespace

TEST_CASE("first byte: opcode and key_id for all 256 values") {
    for (int b = 0; b < 256; ++b) {
        const Header h = classify(static_cast<std::uint8_t>(b));
        const int op = b >> 3;
        CHECK(h.key_id == (b & 7));
        CHECK(static_cast<int>(h.op) == op);
        const PacketKind want = (op == 6 || op == 9)                       ? PacketKind::Data
                                : (op == 3 || op == 4 || op == 5 || op == 7 || op == 8 || op == 10 || op == 11)
                                    ? PacketKind::Control
                                    : PacketKind::Invalid;
        CHECK(h.kind == want);
        CHECK(first_byte(h.op, h.key_id) == b);
    }
    CHECK(first_byte(Opcode::HardResetClientV2, 0) == 0x38);
    CHECK(first_byte(Opcode::DataV2, 0) == 0x48);
    CHECK(first_byte(Opcode::SoftResetV1, 1) == 0x19);
    CHECK(std::string(opcode_name(Opcode::ControlWkcV1)) == "P_CONTROL_WKC_V1");
    CHECK(std::string(opcode_name(static_cast<Opcode>(0))) == "P_???");
}

TEST_CASE("test_pkt.c packets without wrapping") {
    SUBCASE("client_reset_v2_none: the 14-byte reset") {
        const Buf r_bytes = test_pkt("client_reset_v2_none");
        auto r = parse_control(r_bytes);
        REQUIRE(r.ok());
        CHECK(r.packet.op == Opcode::HardResetClientV2);
        CHECK(r.packet.key_id == 0);
        CHECK(r.packet.session_id == sid(0x6891923fa3103437));
        CHECK(r.packet.acks.empty());
        CHECK(r.packet.message_id == 0);
        CHECK(r.packet.payload.empty());
        CHECK(build(r.packet) == test_pkt("client_reset_v2_none"));
    }
    SUBCASE("client_control_with_ack: CONTROL_V1 acking 0 (payload cut by openvpn)") {
        const Buf r_bytes = test_pkt("client_control_with_ack");
        auto r = parse_control(r_bytes);
        REQUIRE(r.ok());
        CHECK(r.packet.op == Opcode::ControlV1);
        CHECK(r.packet.acks == AckList{0});
        CHECK(r.packet.remote_session_id == sid(0xeafebfa4418ae31b));
        CHECK(r.packet.message_id == 1);
        CHECK(Buf(r.packet.payload.begin(), r.packet.payload.end()) == Buf{0x16, 0x03, 0x01});
    }
    SUBCASE("client_ack_none_random_id and client_ack_123_none_random_id") {
        const Buf a_bytes = test_pkt("client_ack_none_random_id");
        auto a = parse_control(a_bytes);
        REQUIRE(a.ok());
        CHECK(a.packet.op == Opcode::AckV1);
        CHECK(a.packet.acks == AckList{0});
        CHECK(a.packet.remote_session_id == sid(0xdd85db535623b02e));
        const Buf b_bytes = test_pkt("client_ack_123_none_random_id");
        auto b = parse_control(b_bytes);
        REQUIRE(b.ok());
        CHECK(b.packet.acks == AckList{0, 1, 2});
        CHECK(build(b.packet) == test_pkt("client_ack_123_none_random_id"));
    }
    SUBCASE("client_control_none_random_id is cut inside the remote session id") {
        // test_pkt.c calls it "acks 0, msg-id 2", but after 1 ack only one byte is
        // left where 8 + 4 are needed; openvpn's own parser fails on it too.
        const Buf r_bytes = test_pkt("client_control_none_random_id");
        auto r = parse_control(r_bytes);
        REQUIRE_FALSE(r.ok());
        CHECK(*r.error == ParseError::Truncated);
    }
}

TEST_CASE("every plain packet of the captures parses and rebuilds to the same bytes") {
    int n = 0;
    for (const char* file : {"udp_tlscrypt.txt", "tcp_tlscrypt.txt", "udp_tlsauth_sha256.txt",
                             "udp_tlsauth_sha1.txt", "udp_tcv2.txt"}) {
        for (const auto& c : capture(file)) {
            if (c.kind != "ctrl") continue;
            CAPTURE(file);
            auto r = parse_control(c.plain);
            REQUIRE(r.ok());
            CHECK(build(r.packet) == c.plain);
            ++n;
        }
    }
    CHECK(n > 60);

    // The stock handshake as the decoder printed it (openvpn-wire.md §5.6).
    auto udp = capture("udp_tlscrypt.txt");
    auto p0 = parse_control(udp[0].plain).packet;
    auto p1 = parse_control(udp[1].plain).packet;
    auto p2 = parse_control(udp[2].plain).packet;
    CHECK(p0.op == Opcode::HardResetClientV2);
    CHECK(p1.op == Opcode::HardResetServerV2);
    CHECK(p1.acks == AckList{0});
    CHECK(p1.remote_session_id == p0.session_id);
    CHECK(p2.op == Opcode::ControlV1);
    CHECK(p2.message_id == 1);
    CHECK(p2.remote_session_id == p1.session_id);
    CHECK(p2.payload.size() == 277);
    auto last_ack = parse_control(udp[13].plain).packet;
    CHECK(last_ack.op == Opcode::AckV1);
    CHECK(last_ack.acks == AckList{5, 4, 3, 2, 1, 0});
}

TEST_CASE("round trips and every truncation") {
    const Buf payload = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    for (Opcode op : {Opcode::SoftResetV1, Opcode::ControlV1, Opcode::AckV1, Opcode::HardResetClientV2,
                      Opcode::HardResetServerV2, Opcode::HardResetClientV3, Opcode::ControlWkcV1}) {
        for (std::size_t nacks = 0; nacks <= kMaxAcks; ++nacks) {
            ControlPacket p;
            p.op = op;
            p.key_id = static_cast<std::uint8_t>(nacks % 8);
            p.session_id = sid(0x0102030405060708);
            for (std::size_t i = 0; i < nacks; ++i) p.acks.push(static_cast<std::uint32_t>(0xA0000000u + i));
            p.remote_session_id = sid(0x1112131415161718);
            p.message_id = 0xDEADBEEF;
            p.payload = payload;
            const Buf wire = build(p);
            CAPTURE(opcode_name(op));
            CAPTURE(nacks);

            auto r = parse_control(wire);
            REQUIRE(r.ok());
            CHECK(r.packet.op == op);
            CHECK(r.packet.key_id == p.key_id);
            CHECK(r.packet.session_id == p.session_id);
            CHECK(r.packet.acks == p.acks);
            if (nacks) CHECK(r.packet.remote_session_id == p.remote_session_id);
            if (has_message_id(op)) {
                CHECK(r.packet.message_id == p.message_id);
                CHECK(Buf(r.packet.payload.begin(), r.packet.payload.end()) == payload);
            } else {
                CHECK(r.packet.payload.empty());
            }

            // The fixed part cannot be cut anywhere; the payload has no length of its
            // own, so a cut inside it is just a shorter payload.
            const std::size_t fixed = wire.size() - (has_message_id(op) ? payload.size() : 0);
            for (std::size_t len = 0; len < fixed; ++len) {
                auto t = parse_control(vpn::Bytes(wire.data(), len));
                REQUIRE_FALSE(t.ok());
                CHECK(*t.error == ParseError::Truncated);
            }
            for (std::size_t len = fixed; len <= wire.size(); ++len)
                CHECK(parse_control(vpn::Bytes(wire.data(), len)).packet.payload.size() == len - fixed);

            // Too small an output buffer is refused, never overrun.
            Buf small(wire.size() + 4, 0xEE);
            for (std::size_t len = 0; len < wire.size(); ++len)
                CHECK(build_control(p, vpn::MutBytes(small.data(), len)) == 0);
            CHECK(small == Buf(wire.size() + 4, 0xEE));
        }
    }
}

TEST_CASE("malformed packets") {
    Buf ack = test_pkt("client_ack_123_none_random_id");
    SUBCASE("more than 8 acks") {
        for (int n = 9; n < 256; ++n) {
            Buf b = ack;
            b[9] = static_cast<std::uint8_t>(n);
            b.resize(10 + 4 * static_cast<std::size_t>(n) + 8);
            CHECK(*parse_control(b).error == ParseError::TooManyAcks);
        }
    }
    SUBCASE("all-zero session id") {
        Buf b = test_pkt("client_reset_v2_none");
        std::fill(b.begin() + 1, b.begin() + 9, 0);
        CHECK(*parse_control(b).error == ParseError::UndefinedSessionId);
    }
    SUBCASE("bytes after an ACK_V1's ack record") {
        ack.push_back(0);
        CHECK(*parse_control(ack).error == ParseError::TrailingBytes);
    }
    SUBCASE("data, key-method-1 and unknown opcodes") {
        for (int op : {0, 1, 2, 6, 9, 12, 20, 31}) {
            Buf b = test_pkt("client_reset_v2_none");
            b[0] = static_cast<std::uint8_t>(op << 3);
            CHECK(*parse_control(b).error == ParseError::NotControl);
        }
        ControlPacket p;
        p.op = Opcode::DataV2;
        p.session_id = sid(1);
        Buf out(64);
        CHECK(build_control(p, out) == 0);
    }
    CHECK(*parse_control({}).error == ParseError::Truncated);
    CHECK(std::string(parse_error_name(ParseError::TooManyAcks)) == "too-many-acks");
}

TEST_CASE("random input never crashes; whatever parses rebuilds identically") {
    std::mt19937 rng(1234);
    Buf b;
    int parsed = 0;
    for (int i = 0; i < 50000; ++i) {
        b.resize(rng() % 80);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng());
        if (!b.empty() && (i & 1)) b[0] = static_cast<std::uint8_t>((3 + rng() % 9) << 3);  // mostly control
        if (b.size() > 9 && (i & 2)) b[9] = static_cast<std::uint8_t>(rng() % 9);         // plausible ack count
        auto r = parse_control(b);
        if (!r.ok()) continue;
        ++parsed;
        REQUIRE(build(r.packet) == b);
    }
    CHECK(parsed > 1000);
}

TEST_CASE("peek_session_id and data_v2_peer_id") {
    Buf reset = test_pkt("client_reset_v2_tls_crypt");
    CHECK(*peek_session_id(reset) == sid(0xf419cb12d1f9e48f));
    CHECK_FALSE(peek_session_id(vpn::Bytes(reset.data(), 8)));
    Buf data = {0x48, 0x00, 0x00, 0x05, 0, 0, 0, 1};
    CHECK(*data_v2_peer_id(data) == 5);
    data[1] = 0xff, data[2] = 0xff, data[3] = 0xff;
    CHECK(*data_v2_peer_id(data) == 0xffffff);
    CHECK_FALSE(data_v2_peer_id(vpn::Bytes(data.data(), 3)));
    CHECK_FALSE(data_v2_peer_id(reset));
    for (const auto& c : capture("udp_tlsauth_sha256.txt"))
        if (c.kind == "data") CHECK(classify(c.wire[0]).kind == PacketKind::Data);
}

TEST_CASE("early negotiation TLVs") {
    CHECK(parse_early_negotiation({}).has_value());
    CHECK_FALSE(parse_early_negotiation({}).value().resend_wkc);
    Buf flags = {0x00, 0x01, 0x00, 0x02, 0x00, 0x01};
    CHECK(parse_early_negotiation(flags).value().resend_wkc);
    Buf out(6);
    CHECK(build_early_negotiation({true}, out) == 6);
    CHECK(out == flags);
    CHECK(build_early_negotiation({false}, out) == 0);
    CHECK(build_early_negotiation({true}, vpn::MutBytes(out.data(), 5)) == 0);

    // Unknown types are skipped, also around the flags.
    Buf mixed = {0x12, 0x34, 0x00, 0x03, 9, 9, 9, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01, 0x77, 0x77, 0x00, 0x00};
    CHECK(parse_early_negotiation(mixed).value().resend_wkc);
    // Flags without RESEND_WKC.
    CHECK_FALSE(parse_early_negotiation(Buf{0, 1, 0, 2, 0x80, 0x00}).value().resend_wkc);
    // Malformed: every cut of a valid list (except at record ends), wrong flag length.
    for (std::size_t len = 1; len < mixed.size(); ++len) {
        const bool record_end = len == 7 || len == 13;
        CHECK(parse_early_negotiation(vpn::Bytes(mixed.data(), len)).has_value() == record_end);
    }
    CHECK_FALSE(parse_early_negotiation(Buf{0, 1, 0, 1, 1}));
    CHECK_FALSE(parse_early_negotiation(Buf{0, 1, 0, 3, 0, 1, 0}));
    CHECK_FALSE(parse_early_negotiation(Buf{0, 9, 0xff, 0xff, 1, 2}));

    CHECK(announces_early_negotiation(0x0f000001));
    CHECK(announces_early_negotiation(0xff000001));
    CHECK_FALSE(announces_early_negotiation(0x00000001));
    CHECK_FALSE(announces_early_negotiation(0x0e000001));
    // The tls-crypt-v2 capture: the client announces it, the server answers with the flag.
    auto v2 = capture("udp_tcv2.txt");
    CHECK(announces_early_negotiation(v2[0].replay_id));
    auto reply = parse_control(v2[1].plain).packet;
    auto check = validate_reset(reply, Role::Client);
    REQUIRE(check.ok());
    CHECK(check.early.resend_wkc);
}

TEST_CASE("validate_reset and classify_first_packet") {
    const Buf reset_bytes = test_pkt("client_reset_v2_none");
    auto reset = parse_control(reset_bytes).packet;
    CHECK(validate_reset(reset, Role::Server).ok());
    CHECK(*validate_reset(reset, Role::Client).error == ResetError::WrongDirection);
    reset.key_id = 1;
    CHECK(*validate_reset(reset, Role::Server).error == ResetError::BadKeyId);
    reset.key_id = 0;
    reset.message_id = 1;
    CHECK(*validate_reset(reset, Role::Server).error == ResetError::BadMessageId);
    reset.message_id = 0;
    const Buf bad_tlv = {0, 1, 0, 2, 0};
    reset.payload = bad_tlv;
    CHECK(*validate_reset(reset, Role::Server).error == ResetError::BadEarlyNegotiation);

    ControlPacket soft;
    soft.op = Opcode::SoftResetV1;
    soft.key_id = 2;
    CHECK(validate_reset(soft, Role::Client).ok());
    CHECK(validate_reset(soft, Role::Server).ok());
    soft.key_id = 0;
    CHECK(*validate_reset(soft, Role::Server).error == ResetError::BadKeyId);
    ControlPacket ctl;
    CHECK(*validate_reset(ctl, Role::Server).error == ResetError::NotReset);

    auto udp = capture("udp_tlscrypt.txt");
    CHECK(classify_first_packet(udp[0].wire, Role::Server) == FirstPacket::ResetV2);
    CHECK(classify_first_packet(udp[0].wire, Role::Client) == FirstPacket::Invalid);
    CHECK(classify_first_packet(udp[1].wire, Role::Client) == FirstPacket::ServerReset);
    CHECK(classify_first_packet(udp[1].wire, Role::Server) == FirstPacket::Invalid);
    CHECK(classify_first_packet(udp[2].wire, Role::Server) == FirstPacket::ControlV1);
    CHECK(classify_first_packet(udp[5].wire, Role::Server) == FirstPacket::AckV1);
    auto v2 = capture("udp_tcv2.txt");
    CHECK(classify_first_packet(v2[0].wire, Role::Server) == FirstPacket::ResetV3);
    CHECK(classify_first_packet(v2[2].wire, Role::Server) == FirstPacket::WkcV1);
    Buf w = udp[0].wire;
    w[0] |= 1;  // key_id 1
    CHECK(classify_first_packet(w, Role::Server) == FirstPacket::Invalid);
    w = udp[0].wire;
    std::fill(w.begin() + 1, w.begin() + 9, 0);
    CHECK(classify_first_packet(w, Role::Server) == FirstPacket::Invalid);
    CHECK(classify_first_packet(vpn::Bytes(udp[0].wire.data(), 8), Role::Server) == FirstPacket::Invalid);
    Buf data = {0x48, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK(classify_first_packet(data, Role::Server) == FirstPacket::Invalid);
}
