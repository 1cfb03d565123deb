// Two PeerSessions joined in memory under a fake clock: data both ways, LZO,
// keepalive pings, OCC request/reply, ping-restart, ping-exit, explicit exit
// notification, replay and garbage.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "common/openvpn/control_payloads.hpp"
#include "p2p/peer_session.hpp"
#include "pki/static_key.hpp"

using namespace vpn;
using p2p::Now;
using p2p::PeerSession;
using p2p::SessionConfig;
using p2p::Verdict;

namespace {

struct Buffers {
    std::vector<std::uint8_t> in = std::vector<std::uint8_t>(4096);
    std::vector<std::uint8_t> out = std::vector<std::uint8_t>(4096);
    std::vector<std::uint8_t> scratch = std::vector<std::uint8_t>(4096);
};

constexpr std::size_t kOff = 64;

std::vector<std::uint8_t> ipv4_packet(std::size_t len, std::uint8_t fill) {
    std::vector<std::uint8_t> p(len, fill);
    p[0] = 0x45;
    p[2] = std::uint8_t(len >> 8);
    p[3] = std::uint8_t(len);
    return p;
}

struct Pair {
    pki::StaticKey key = pki::generate_static_key();
    Now now{1000, 1700000000};  // before a and b: they are built with it
    PeerSession a, b;
    Buffers ba, bb;

    Pair(SessionConfig ca, SessionConfig cb)
        : a(ca, make_channel(ovpn::KeyDirection::Normal), now), b(cb, make_channel(ovpn::KeyDirection::Inverse), now) {}

    ovpn::StaticDataChannel make_channel(ovpn::KeyDirection dir) {
        ovpn::StaticChannelParams p;
        p.cipher = "AES-256-CBC";
        p.auth = "SHA256";
        return ovpn::StaticDataChannel(key, dir, p);
    }

    // Seal `payload` on `from` and return the datagram.
    std::vector<std::uint8_t> seal(PeerSession& from, Buffers& buf, const std::vector<std::uint8_t>& payload) {
        std::memcpy(buf.in.data() + kOff, payload.data(), payload.size());
        std::size_t n = from.encapsulate(buf.in, kOff, payload.size(), buf.out, buf.scratch, now);
        return {buf.out.begin(), buf.out.begin() + static_cast<long>(n)};
    }
    PeerSession::Inbound open(PeerSession& to, Buffers& buf, const std::vector<std::uint8_t>& dgram) {
        return to.decapsulate(Bytes(dgram.data(), dgram.size()), buf.out, buf.scratch, now);
    }
    // Deliver every control payload `from` has pending to `to`; returns how many.
    int pump(PeerSession& from, Buffers& fb, PeerSession& to, Buffers& tb) {
        int n = 0;
        for (std::size_t len; (len = from.next_control(fb.in, kOff)) != 0 && n < 10; ++n) {
            std::vector<std::uint8_t> payload(fb.in.begin() + kOff, fb.in.begin() + static_cast<long>(kOff + len));
            auto in = open(to, tb, seal(from, fb, payload));
            CHECK(in.kind == PeerSession::Kind::Consumed);
        }
        return n;
    }
};

SessionConfig base_config() {
    SessionConfig c;
    c.local_options = "V4,dev-type tun,secret";
    c.remote_options = "V4,dev-type tun,secret";
    return c;
}

}  // namespace

TEST_CASE("peer session: data crosses both ways unchanged, replays are dropped") {
    Pair p(base_config(), base_config());
    auto pkt = ipv4_packet(300, 0x5a);
    auto dgram = p.seal(p.a, p.ba, pkt);
    auto in = p.open(p.b, p.bb, dgram);
    REQUIRE(in.kind == PeerSession::Kind::ToTun);
    CHECK(std::vector<std::uint8_t>(in.packet.begin(), in.packet.end()) == pkt);
    CHECK(p.b.peer_seen());

    auto again = p.open(p.b, p.bb, dgram);
    CHECK(again.kind == PeerSession::Kind::Dropped);
    CHECK(p.b.stats().codec_drops[static_cast<int>(ovpn::Drop::Replay)] == 1);

    auto back = p.open(p.a, p.ba, p.seal(p.b, p.bb, ipv4_packet(60, 1)));
    CHECK(back.kind == PeerSession::Kind::ToTun);
}

TEST_CASE("peer session: tampered datagrams and non-IP payloads never reach the TUN") {
    Pair p(base_config(), base_config());
    auto dgram = p.seal(p.a, p.ba, ipv4_packet(100, 7));
    for (std::size_t i = 0; i < dgram.size(); i += 7) {
        auto bad = dgram;
        bad[i] ^= 0x01;
        CHECK(p.open(p.b, p.bb, bad).kind == PeerSession::Kind::Dropped);
    }
    for (std::size_t len = 0; len < dgram.size(); ++len) {
        std::vector<std::uint8_t> cut(dgram.begin(), dgram.begin() + static_cast<long>(len));
        CHECK(p.open(p.b, p.bb, cut).kind == PeerSession::Kind::Dropped);
    }
    std::vector<std::uint8_t> junk(50, 0x00);  // authenticated, but version nibble 0
    CHECK(p.open(p.b, p.bb, p.seal(p.a, p.ba, junk)).kind == PeerSession::Kind::Dropped);
    CHECK(p.b.stats().link_drops[static_cast<int>(p2p::LinkDrop::BadPayload)] == 1);
    CHECK_FALSE(p.b.peer_seen() == false);  // the junk packet was authentic
    CHECK(p.open(p.b, p.bb, dgram).kind == PeerSession::Kind::ToTun);  // the original still opens
}

TEST_CASE("peer session: LZO framing compresses when allowed and always decompresses") {
    SessionConfig comp = base_config();
    comp.lzo_framing = comp.lzo_compress = true;
    SessionConfig asym = base_config();
    asym.lzo_framing = true;
    Pair p(comp, asym);
    auto pkt = ipv4_packet(1200, 0x41);
    auto dgram = p.seal(p.a, p.ba, pkt);
    CHECK(dgram.size() < 400);  // compressible payload really got compressed
    auto in = p.open(p.b, p.bb, dgram);
    REQUIRE(in.kind == PeerSession::Kind::ToTun);
    CHECK(std::vector<std::uint8_t>(in.packet.begin(), in.packet.end()) == pkt);

    auto back = p.seal(p.b, p.bb, pkt);  // asym side: framing byte only
    CHECK(back.size() > 1200);
    auto in2 = p.open(p.a, p.ba, back);
    REQUIRE(in2.kind == PeerSession::Kind::ToTun);
    CHECK(in2.packet.size() == 1200);
}

TEST_CASE("peer session: keepalive ping is sent after `ping` idle seconds and consumed") {
    SessionConfig ca = base_config();
    ca.ping = 2;
    Pair p(ca, base_config());
    CHECK(p.a.on_timer(p.now) == Verdict::None);
    CHECK(p.pump(p.a, p.ba, p.b, p.bb) == 0);
    p.now.mono += 2;
    CHECK(p.a.on_timer(p.now) == Verdict::None);
    CHECK(p.pump(p.a, p.ba, p.b, p.bb) == 1);
    CHECK(p.b.stats().pings_received == 1);
    CHECK(p.a.stats().pings_sent == 1);
    // Sending data resets the idle timer: no ping one second later.
    p.now.mono += 1;
    p.seal(p.a, p.ba, ipv4_packet(40, 0));
    p.now.mono += 1;
    p.a.on_timer(p.now);
    CHECK(p.pump(p.a, p.ba, p.b, p.bb) == 0);
}

TEST_CASE("peer session: OCC request is answered and the reply compared") {
    Pair p(base_config(), base_config());
    p.open(p.b, p.bb, p.seal(p.a, p.ba, ipv4_packet(40, 0)));  // b now knows its peer
    p.now.mono += 2;
    CHECK(p.b.on_timer(p.now) == Verdict::None);
    REQUIRE(p.pump(p.b, p.bb, p.a, p.ba) == 1);  // OCC_REQUEST
    REQUIRE(p.pump(p.a, p.ba, p.b, p.bb) == 1);  // OCC_REPLY
    p.now.mono += 20;
    p.b.on_timer(p.now);
    CHECK(p.pump(p.b, p.bb, p.a, p.ba) == 0);  // reply received: no more requests
}

TEST_CASE("peer session: ping-restart and ping-exit fire on silence only") {
    SessionConfig cb = base_config();
    cb.ping_restart = 5;
    Pair p(base_config(), cb);
    p.now.mono += 4;
    CHECK(p.b.on_timer(p.now) == Verdict::None);
    p.open(p.b, p.bb, p.seal(p.a, p.ba, ipv4_packet(40, 0)));  // alive
    p.now.mono += 4;
    CHECK(p.b.on_timer(p.now) == Verdict::None);
    p.now.mono += 1;
    CHECK(p.b.on_timer(p.now) == Verdict::Restart);
    CHECK(p.b.verdict_reason() == "ping-restart");

    SessionConfig ce = base_config();
    ce.ping_exit = 3;
    Pair q(base_config(), ce);
    q.now.mono += 3;
    CHECK(q.b.on_timer(q.now) == Verdict::Exit);
}

TEST_CASE("peer session: explicit-exit-notify tells the peer, which restarts") {
    SessionConfig ca = base_config();
    ca.explicit_exit_notify = 2;
    Pair p(ca, base_config());
    CHECK(p.a.begin_exit(p.now, /*can_notify=*/false) == Verdict::Exit);  // TCP: nothing to announce

    Pair q(ca, base_config());
    CHECK(q.a.begin_exit(q.now, true) == Verdict::None);
    REQUIRE(q.pump(q.a, q.ba, q.b, q.bb) == 1);  // OCC_EXIT
    CHECK(q.b.on_timer(q.now) == Verdict::Restart);
    CHECK(q.b.verdict_reason() == "remote-exit");
    q.now.mono += 1;
    CHECK(q.a.on_timer(q.now) == Verdict::None);
    CHECK(q.pump(q.a, q.ba, q.b, q.bb) == 1);  // repeated every second
    q.now.mono += 1;
    CHECK(q.a.on_timer(q.now) == Verdict::Exit);
}

TEST_CASE("peer session: after restart the peer's new sequence is accepted") {
    Pair p(base_config(), base_config());
    for (int i = 0; i < 5; ++i) p.open(p.b, p.bb, p.seal(p.a, p.ba, ipv4_packet(40, 0)));
    p.now.wall += 1;
    p.now.mono += 1;
    p.a.restart(p.now);  // new send sequence, ids from 1 again with a newer time
    auto in = p.open(p.b, p.bb, p.seal(p.a, p.ba, ipv4_packet(40, 0)));
    CHECK(in.kind == PeerSession::Kind::ToTun);
}
