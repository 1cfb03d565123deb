// The control channel's reliability layer (openvpn-wire.md §5.5): ack bookkeeping
// against the ack arrays stock 2.6.14 peers put on the wire, retransmission
// back-off to the millisecond, the send and receive windows, and two endpoints on
// a noisy wire (loss, duplication, reordering, corruption) under a fake clock.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>

#include "common/openvpn/control/ack_tracker.hpp"
#include "common/openvpn/control/control_packet.hpp"
#include "common/openvpn/control/control_wrap.hpp"
#include "common/openvpn/control/reliable_link.hpp"
#include "common/openvpn/control/reliable_receiver.hpp"
#include "common/openvpn/control/reliable_sender.hpp"
#include "control_vectors.hpp"

using namespace vpn::ovpn::control;
using vpn::Bytes;
using Buf = std::vector<std::uint8_t>;
using Rx = ReliableLink::Rx;
using RR = ReliableReceiver::Result;

namespace {

Buf bytes(std::initializer_list<std::uint8_t> b) { return Buf(b); }
Buf to_buf(Bytes b) { return Buf(b.begin(), b.end()); }

SessionId sid(std::uint8_t v) {
    SessionId s{};
    s.fill(v);
    return s;
}

// The ack record of every control packet one side of a capture sent, in order.
std::vector<AckList> sent_acks(const std::string& file, bool from_client) {
    std::vector<AckList> out;
    for (const auto& c : control_test::capture(file))
        if (c.kind == "ctrl" && c.from_client == from_client) out.push_back(parse_control(c.plain).packet.acks);
    return out;
}

}  // namespace

TEST_CASE("AckTracker reproduces the ack arrays of stock 2.6 peers") {
    SUBCASE("UDP client (cap_udp_tlscrypt): piggy-backed and P_ACK_V1 records") {
        // What the client received between its packets: server msgs 0 | 1 | 2 | - | 3 | 4 | 5.
        auto want = sent_acks("udp_tlscrypt.txt", true);
        AckTracker t;
        std::vector<AckList> got;
        got.push_back(t.take(4));  // reset: nothing received yet
        t.add(0);
        got.push_back(t.take(4));  // CONTROL_V1 msg 1
        t.add(1);
        got.push_back(t.take(8));  // ACK_V1
        t.add(2);
        got.push_back(t.take(4));  // CONTROL_V1 msg 2
        got.push_back(t.take(4));  // CONTROL_V1 msg 3
        t.add(3);
        got.push_back(t.take(8));
        t.add(4);
        got.push_back(t.take(8));
        t.add(5);
        got.push_back(t.take(8));
        CHECK(got == want);
        CHECK(want.back() == AckList{5, 4, 3, 2, 1, 0});
    }
    SUBCASE("UDP stateless server: never acks the reset it answered without state") {
        auto want = sent_acks("udp_tlscrypt.txt", false);
        AckTracker t;
        std::vector<AckList> got;
        got.push_back(AckList{0});  // the stateless reply (see test_control_cookie)
        t.add(1);
        got.push_back(t.take(4));  // msg 1
        got.push_back(t.take(4));  // msg 2
        t.add(2);
        got.push_back(t.take(4));  // msg 3 (client msgs 2 and 3 crossed it)
        t.add(3);
        got.push_back(t.take(4));  // msg 4
        got.push_back(t.take(4));  // msg 5
        CHECK(got == want);
    }
    SUBCASE("TCP server: stateful, at most 4 acks ride on a control packet") {
        auto want = sent_acks("tcp_tlscrypt.txt", false);
        AckTracker t;
        std::vector<AckList> got;
        t.add(0);
        got.push_back(t.take(4));  // reset
        t.add(1);
        got.push_back(t.take(4));  // msg 1
        got.push_back(t.take(4));  // msg 2
        t.add(2);
        got.push_back(t.take(4));  // msg 3
        t.add(3);
        got.push_back(t.take(4));  // msg 4
        got.push_back(t.take(4));  // msg 5
        CHECK(got == want);
        CHECK(want.back() == AckList{3, 2, 1, 0});
    }
}

TEST_CASE("AckTracker limits") {
    AckTracker t;
    CHECK(t.take(8).empty());
    for (std::uint32_t i = 0; i < 12; ++i) t.add(i);
    t.add(3);  // already pending
    CHECK(t.pending() == 8);  // 8..11 are not remembered: the peer will retransmit
    CHECK(t.take(3) == AckList{0, 1, 2});
    CHECK(t.pending() == 5);
    CHECK(t.take(8) == AckList{3, 4, 5, 6, 7, 0, 1, 2});
    CHECK_FALSE(t.has_pending());
    t.add(20);
    CHECK(t.take(8) == AckList{20, 3, 4, 5, 6, 7, 0, 1});  // oldest falls off
    t.add(5);  // acked again: moves to the front, no duplicate
    CHECK(t.take(8) == AckList{5, 20, 3, 4, 6, 7, 0, 1});
    CHECK(t.take(2) == AckList{5, 20});
    t.clear();
    CHECK(t.recent().empty());
}

TEST_CASE("retransmission back-off: 2 s doubling, exactly") {
    ReliableSender s;
    REQUIRE(s.queue(Opcode::HardResetClientV2, {}) == 0u);
    const std::int64_t t0 = 1'000'000;
    CHECK(*s.next_timeout() <= t0);  // new: due at once
    std::vector<std::int64_t> sent;
    std::int64_t now = t0;
    for (int k = 0; k < 9; ++k) {
        if (k > 0) {
            now = *s.next_timeout();
            CHECK_FALSE(s.send_next(now - 1));  // not a millisecond early
        }
        auto o = s.send_next(now);
        REQUIRE(o);
        CHECK(o->id == 0);
        CHECK(o->op == Opcode::HardResetClientV2);
        CHECK_FALSE(s.send_next(now));  // once per deadline
        sent.push_back(now - t0);
    }
    CHECK(sent == std::vector<std::int64_t>{0, 2000, 6000, 14000, 30000, 62000, 126000, 254000, 510000});
}

TEST_CASE("back-off follows --tls-timeout and is reset by schedule_now()") {
    ReliableSender s(5000);
    s.queue(Opcode::ControlV1, bytes({1}));
    CHECK(s.send_next(0));
    CHECK_FALSE(s.send_next(4999));
    CHECK(s.send_next(5000));
    CHECK_FALSE(s.send_next(14999));
    CHECK(s.send_next(15000));
    CHECK(*s.next_timeout() == 35000);
    s.schedule_now(20000);  // burst: due now, timeout back to 5 s
    CHECK(*s.next_timeout() == 20000);
    CHECK(s.send_next(20000));
    CHECK(*s.next_timeout() == 25000);
    CHECK_THROWS_AS(ReliableSender(0), std::invalid_argument);
}

TEST_CASE("timeout doubling saturates instead of overflowing") {
    ReliableSender s;
    s.queue(Opcode::ControlV1, {});
    std::int64_t now = 0;
    for (int i = 0; i < 80; ++i) {
        REQUIRE(s.send_next(now));
        now = *s.next_timeout();
    }
    REQUIRE(s.send_next(now));
    CHECK(*s.next_timeout() - now == ReliableSender::kMaxTimeoutMs);
}

TEST_CASE("send window: 6 in flight, anchored at the oldest unacked id") {
    ReliableSender s;
    for (std::uint32_t i = 0; i < 6; ++i) {
        CHECK(s.available() == 6 - i);
        CHECK(s.queue(Opcode::ControlV1, bytes({static_cast<std::uint8_t>(i)})) == i);
    }
    CHECK_FALSE(s.can_queue());
    CHECK_FALSE(s.queue(Opcode::ControlV1, {}));
    CHECK(s.in_flight() == 6);
    auto due = s.due(0);
    REQUIRE(due.size() == 6);
    for (std::uint32_t i = 0; i < 6; ++i) {
        CHECK(due.items[i].id == i);
        CHECK(to_buf(due.items[i].payload) == Buf{static_cast<std::uint8_t>(i)});
    }
    CHECK(s.due(1).size() == 0);

    s.on_ack(3);  // not the oldest: the window does not move
    CHECK(s.in_flight() == 5);
    CHECK(s.available() == 0);
    s.on_ack(0);
    CHECK(s.available() == 1);
    CHECK(s.queue(Opcode::ControlV1, {}) == 6u);
    CHECK(s.available() == 0);  // 1 is the oldest now, 1..6 span 6 ids
    s.on_ack(1);
    s.on_ack(2);
    CHECK(s.available() == 3);  // 4..6 left
    s.on_ack(99);  // unknown ids are harmless
    s.on_ack(2);
    CHECK(s.in_flight() == 3);
    s.on_acks(AckList{4, 5, 6});
    CHECK(s.empty());
    CHECK(s.available() == 6);
    CHECK_FALSE(s.next_timeout());
    CHECK(s.next_id() == 7);

    ReliableSender small(2000, 10);
    CHECK_FALSE(small.queue(Opcode::ControlV1, Buf(11)));
    CHECK(small.queue(Opcode::ControlV1, Buf(10)));
}

TEST_CASE("fast retransmit after acks for 3 later messages") {
    ReliableSender s;
    for (int i = 0; i < 5; ++i) s.queue(Opcode::ControlV1, {});
    CHECK(s.due(0).size() == 5);
    s.on_ack(1);
    s.on_ack(2);
    CHECK(*s.next_timeout() == 2000);
    CHECK_FALSE(s.send_next(10));
    s.on_ack(3);  // third ack above id 0
    CHECK(*s.next_timeout() <= 10);
    auto o = s.send_next(10);
    REQUIRE(o);
    CHECK(o->id == 0);
    CHECK(*s.next_timeout() == 2000);  // id 4's first timeout; id 0 now waits until 10 + 4000
    s.on_ack(4);
    CHECK(*s.next_timeout() == 4010);
    // Repeated (MRU) acks count too, as in reliable_send_purge.
    s.on_acks(AckList{4, 3, 2});
    s.on_acks(AckList{4});
    CHECK(*s.next_timeout() <= 10);
}

TEST_CASE("hold until the peer's reset (TCP server) and start_at") {
    ReliableSender s;
    s.set_hold(true);
    s.queue(Opcode::HardResetServerV2, {});
    CHECK_FALSE(s.send_next(0));
    CHECK_FALSE(s.next_timeout());
    CHECK(s.held());
    s.schedule_now(700);
    CHECK_FALSE(s.held());
    CHECK(s.send_next(700)->op == Opcode::HardResetServerV2);
    CHECK_FALSE(s.start_at(1));  // not while something is unacked
    s.on_ack(0);
    CHECK(s.start_at(1));
    CHECK(s.queue(Opcode::ControlV1, {}) == 1u);
}

TEST_CASE("receive window: order, duplicates, window end, buffers") {
    ReliableReceiver r;
    CHECK(r.accept(2, Opcode::ControlV1, bytes({2})) == RR::Accepted);
    CHECK_FALSE(r.front());
    CHECK(r.accept(0, Opcode::HardResetServerV2, {}) == RR::Accepted);
    CHECK(r.accept(2, Opcode::ControlV1, bytes({2})) == RR::Duplicate);  // stored, acked again
    REQUIRE(r.front());
    CHECK(r.front()->id == 0);
    CHECK(r.front()->op == Opcode::HardResetServerV2);
    r.pop();
    CHECK_FALSE(r.front());  // 1 is missing
    CHECK(r.accept(0, Opcode::HardResetServerV2, {}) == RR::Duplicate);  // delivered already: acked again
    CHECK(r.accept(1, Opcode::ControlV1, bytes({1})) == RR::Accepted);
    for (std::uint8_t want : {1, 2}) {
        REQUIRE(r.front());
        CHECK(to_buf(r.front()->payload) == Buf{want});
        r.pop();
    }
    CHECK(r.expected() == 3);
    r.pop();  // nothing there: no-op
    CHECK(r.expected() == 3);

    // expected + 11 is the last id that is taken; + 12 is dropped without an ack.
    CHECK(r.accept(3 + 12, Opcode::ControlV1, {}) == RR::OutOfWindow);
    CHECK(r.accept(3 + 11, Opcode::ControlV1, {}) == RR::Accepted);
    CHECK(r.accept(0xFFFFFFF0u, Opcode::ControlV1, {}) == RR::OutOfWindow);
    CHECK(r.accept(4, Opcode::ControlV1, Buf(ReliableReceiver::kMaxPayload + 1)) == RR::Oversize);
    CHECK(r.accept(4, Opcode::ControlV1, Buf(ReliableReceiver::kMaxPayload)) == RR::Accepted);

    // Acks: every Accepted and Duplicate, in arrival order (8 at most pending).
    CHECK(r.acks().take(8) == AckList{2, 0, 1, 14, 4});

    // Fill all 12 buffers without delivering: nothing more is taken or acked.
    for (std::uint32_t id = 3; id < 15; ++id) r.accept(id, Opcode::ControlV1, {});
    CHECK(r.stored() == 12);
    r.acks().take(8);
    r.acks().take(8);
    CHECK(r.accept(5, Opcode::ControlV1, {}) == RR::NoBuffer);
    CHECK(r.accept(1, Opcode::ControlV1, {}) == RR::NoBuffer);
    CHECK_FALSE(r.acks().has_pending());
    CHECK_FALSE(r.start_at(1));
    r.pop();
    CHECK(r.accept(15, Opcode::ControlV1, {}) == RR::Accepted);
    CHECK(std::string(result_name(RR::NoBuffer)) == "no-buffer");
}

TEST_CASE("receive window: stateless start at 1 and id wrap-around") {
    ReliableReceiver r;
    CHECK(r.start_at(1));
    CHECK(r.accept(0, Opcode::HardResetClientV2, {}) == RR::Duplicate);  // a late copy of the reset
    CHECK(r.accept(1, Opcode::ControlV1, {}) == RR::Accepted);

    ReliableReceiver w;
    REQUIRE(w.start_at(0xFFFFFFFCu));
    for (std::uint32_t id = 0xFFFFFFFCu, n = 0; n < 10; ++id, ++n) {
        CHECK(w.accept(id, Opcode::ControlV1, {}) == RR::Accepted);
        REQUIRE(w.front());
        CHECK(w.front()->id == id);
        w.pop();
    }
    CHECK(w.expected() == 6);
    CHECK(w.accept(5, Opcode::ControlV1, {}) == RR::Duplicate);
    // Like reliable_wont_break_sequentiality, the window end is compared as a plain
    // number once it no longer wraps: a copy from before the wrap is dropped unacked.
    CHECK(w.accept(0xFFFFFFFEu, Opcode::ControlV1, {}) == RR::OutOfWindow);
}

TEST_CASE("ReliableLink: handshake packets look like stock ones") {
    ReliableLink client(sid(0xC1)), server(sid(0x51));
    Buf cbuf(client.max_packet_size()), sbuf(server.max_packet_size());
    REQUIRE(client.queue(Opcode::HardResetClientV2, {}) == 0u);

    auto p = client.next_packet(0, cbuf);
    REQUIRE(p);
    CHECK(to_buf(*p) == Buf{0x38, 0xC1, 0xC1, 0xC1, 0xC1, 0xC1, 0xC1, 0xC1, 0xC1, 0, 0, 0, 0, 0});
    CHECK_FALSE(client.next_packet(0, cbuf));
    CHECK(*client.next_timeout() == 2000);

    auto reset = parse_control(*p).packet;
    server.set_remote_session(reset.session_id);
    CHECK(server.on_packet(reset) == Rx::Accepted);
    REQUIRE(server.queue(Opcode::HardResetServerV2, {}) == 0u);
    auto q = server.next_packet(5, sbuf);
    REQUIRE(q);
    auto sreset = parse_control(*q).packet;
    CHECK(sreset.op == Opcode::HardResetServerV2);
    CHECK(sreset.acks == AckList{0});
    CHECK(sreset.remote_session_id == sid(0xC1));
    CHECK(sreset.message_id == 0);
    CHECK_FALSE(server.next_packet(5, sbuf));  // the ack rode along: no P_ACK_V1

    client.set_remote_session(sreset.session_id);
    CHECK(client.on_packet(sreset) == Rx::Accepted);
    CHECK(client.all_acked());  // S_PRE_START -> S_START
    REQUIRE(client.front());
    CHECK(client.front()->op == Opcode::HardResetServerV2);
    client.pop();
    // Nothing else to send: the owed ack goes out as P_ACK_V1.
    CHECK(*client.next_timeout() <= 10);
    auto a = client.next_packet(10, cbuf);
    REQUIRE(a);
    auto ack = parse_control(*a).packet;
    CHECK(ack.op == Opcode::AckV1);
    CHECK(ack.acks == AckList{0});
    CHECK(to_buf(*a).size() == 9 + 1 + 4 + 8);
    CHECK(server.on_packet(ack) == Rx::AckOnly);
    CHECK(server.all_acked());
    CHECK_FALSE(server.next_timeout());
}

TEST_CASE("ReliableLink: refusals and ack limits") {
    ReliableLink l(sid(1), LinkParams{.key_id = 2});
    l.set_remote_session(sid(2));
    ControlPacket p;
    p.op = Opcode::ControlV1;
    p.key_id = 2;
    p.session_id = sid(2);
    p.message_id = 0;
    ControlPacket q = p;
    q.key_id = 0;
    CHECK(l.on_packet(q) == Rx::WrongKeyId);
    q = p;
    q.session_id = sid(3);
    CHECK(l.on_packet(q) == Rx::WrongSession);
    q = p;
    q.acks = AckList{0};
    q.remote_session_id = sid(9);
    CHECK(l.on_packet(q) == Rx::BadAckSession);
    CHECK_FALSE(l.receiver().acks().has_pending());  // refused packets are not acked
    CHECK(l.on_packet(p) == Rx::Accepted);
    CHECK(l.on_packet(p) == Rx::Duplicate);
    q = p;
    q.message_id = 12;
    CHECK(l.on_packet(q) == Rx::OutOfWindow);
    CHECK(std::string(rx_name(Rx::BadAckSession)) == "bad-ack-session");

    // 8 owed acks (0..7): a control packet carries 4, the following P_ACK_V1 carries 8.
    for (std::uint32_t id = 1; id < 8; ++id) {
        q = p;
        q.message_id = id;
        l.on_packet(q);
    }
    l.queue(Opcode::ControlV1, bytes({7}));
    Buf out(l.max_packet_size());
    auto first = parse_control(*l.next_packet(0, out)).packet;
    CHECK(first.op == Opcode::ControlV1);
    CHECK(first.key_id == 2);
    CHECK(first.acks == AckList{0, 1, 2, 3});
    auto second = parse_control(*l.next_packet(0, out)).packet;
    CHECK(second.op == Opcode::AckV1);
    CHECK(second.acks == AckList{4, 5, 6, 7, 0, 1, 2, 3});
    CHECK_FALSE(l.next_packet(0, out));
    // A retransmission later re-acks the most recent ids.
    auto again = parse_control(*l.next_packet(2000, out)).packet;
    CHECK(again.message_id == 0);
    CHECK(again.acks == AckList{4, 5, 6, 7});

    Buf tiny(l.max_packet_size() - 1);
    CHECK_THROWS_AS(l.next_packet(0, tiny), std::length_error);
    CHECK_THROWS_AS(ReliableLink(SessionId{}), std::invalid_argument);
    CHECK_THROWS_AS(ReliableLink(sid(1), LinkParams{.key_id = 8}), std::invalid_argument);

    // SoftEther workaround: P_ACK_V1 limited to 4.
    ReliableLink soft(sid(1), LinkParams{.ack_packet_acks = 4});
    soft.set_remote_session(sid(2));
    for (std::uint32_t id = 0; id < 6; ++id) {
        q = p;
        q.key_id = 0;
        q.message_id = id;
        soft.on_packet(q);
    }
    CHECK(parse_control(*soft.next_packet(0, out)).packet.acks == AckList{0, 1, 2, 3});
    CHECK(parse_control(*soft.next_packet(0, out)).packet.acks == AckList{4, 5, 0, 1});
}

namespace {

// Two endpoints joined by a wire that drops, duplicates, delays (reorders) and
// corrupts datagrams, with a fixed seed and a fake millisecond clock.
struct NoisyWire {
    double drop, dup, corrupt;
    std::mt19937 rng;
    std::uniform_real_distribution<double> u{0.0, 1.0};
    std::multimap<std::int64_t, std::pair<int, Buf>> in_flight;  // arrival -> (to endpoint, bytes)
    int sent = 0, dropped = 0, duplicated = 0, corrupted = 0;

    void send(int to, const Buf& b, std::int64_t now) {
        ++sent;
        if (u(rng) < drop) {
            ++dropped;
            return;
        }
        const int copies = u(rng) < dup ? 2 : 1;
        duplicated += copies - 1;
        for (int i = 0; i < copies; ++i) {
            Buf c = b;
            if (u(rng) < corrupt) {
                c[rng() % c.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
                ++corrupted;
            }
            in_flight.emplace(now + 5 + static_cast<std::int64_t>(rng() % 60), std::make_pair(to, std::move(c)));
        }
    }
};

struct Endpoint {
    ReliableLink link;
    ControlWrap wrap;
    int queued = 0, delivered = 0;
    int drops_unwrap = 0, drops_parse = 0;
};

Buf message(int i) {
    // Index first, then a length and filler derived from it: any mix-up shows.
    Buf m(4 + static_cast<std::size_t>((i * 37) % 1100));
    vpn::store_be32(m.data(), static_cast<std::uint32_t>(i));
    for (std::size_t k = 4; k < m.size(); ++k) m[k] = static_cast<std::uint8_t>(i * 7 + k);
    return m;
}

struct RunResult {
    std::int64_t sim_ms = 0;
    int steps = 0;
    NoisyWire wire;
};

RunResult run_noisy(ControlWrap a_wrap, ControlWrap b_wrap, double drop, double dup, double corrupt,
                    unsigned seed) {
    constexpr int kMessages = 1000;
    constexpr int kMaxSteps = 20000;  // ~4000-5000 needed
    constexpr std::int64_t kEpoch = 1'800'000'000;  // wrap clock, Unix seconds
    Endpoint ep[2] = {{ReliableLink(sid(0xAA)), std::move(a_wrap)}, {ReliableLink(sid(0xBB)), std::move(b_wrap)}};
    ep[0].link.set_remote_session(sid(0xBB));
    ep[1].link.set_remote_session(sid(0xAA));
    RunResult res{0, 0, NoisyWire{drop, dup, corrupt, std::mt19937(seed)}};
    NoisyWire& wire = res.wire;
    Buf plain(ep[0].link.max_packet_size()), wrapped(plain.size() + 64), out(wrapped.size());
    std::int64_t now = 0;

    for (;;) {
        REQUIRE(++res.steps < kMaxSteps);
        // 1. Queue what fits, 2. deliver what is in order, 3. send what is due.
        for (int i = 0; i < 2; ++i) {
            Endpoint& e = ep[i];
            while (e.queued < kMessages && e.link.sender().can_queue()) {
                Buf m = message(e.queued);
                REQUIRE(e.link.queue(Opcode::ControlV1, m) == static_cast<std::uint32_t>(e.queued));
                ++e.queued;
            }
            while (auto m = e.link.front()) {
                REQUIRE(m->id == static_cast<std::uint32_t>(e.delivered));  // in order, exactly once
                REQUIRE(to_buf(m->payload) == message(e.delivered));
                ++e.delivered;
                e.link.pop();
            }
            while (auto p = e.link.next_packet(now, plain)) {
                const std::size_t n = e.wrap.wrap(*p, wrapped, kEpoch + now / 1000);
                REQUIRE(n > 0);
                wire.send(1 - i, Buf(wrapped.begin(), wrapped.begin() + static_cast<std::ptrdiff_t>(n)), now);
            }
        }
        const bool done = ep[0].delivered == kMessages && ep[1].delivered == kMessages &&
                          ep[0].link.all_acked() && ep[1].link.all_acked();
        if (done) break;

        // Advance the fake clock to the next event: an arrival or a retransmission.
        std::int64_t next = INT64_MAX;
        if (!wire.in_flight.empty()) next = wire.in_flight.begin()->first;
        for (auto& e : ep)
            if (auto t = e.link.next_timeout()) next = std::min(next, *t);
        REQUIRE(next != INT64_MAX);  // never stuck with nothing scheduled
        now = std::max(now, next);

        while (!wire.in_flight.empty() && wire.in_flight.begin()->first <= now) {
            auto node = wire.in_flight.extract(wire.in_flight.begin());
            Endpoint& e = ep[node.mapped().first];
            const Buf& datagram = node.mapped().second;
            auto u = e.wrap.unwrap(datagram, out, kEpoch + now / 1000);
            if (!u.ok) {
                ++e.drops_unwrap;
                continue;
            }
            auto parsed = parse_control(u.packet);
            if (!parsed.ok()) {
                ++e.drops_parse;
                continue;
            }
            e.link.on_packet(parsed.packet);
        }
    }
    res.sim_ms = now;
    CHECK(ep[0].delivered == kMessages);
    CHECK(ep[1].delivered == kMessages);
    // Whatever the wire did, corruption never got past the wrapping into the codec.
    CHECK(ep[0].drops_parse + ep[1].drops_parse == 0);
    CHECK(ep[0].drops_unwrap + ep[1].drops_unwrap >= (corrupt > 0 ? wire.corrupted : 0));
    return res;
}

}  // namespace

TEST_CASE("two endpoints on a noisy wire: 1000 messages each way, in order, exactly once") {
    SUBCASE("no wrapping: loss 15%, duplication 10%, reordering") {
        auto r = run_noisy(ControlWrap(), ControlWrap(), 0.15, 0.10, 0.0, 42);
        CHECK(r.wire.dropped > 100);
        CHECK(r.wire.duplicated > 100);
    }
    SUBCASE("tls-crypt: loss 10%, duplication 10%, corruption 5%, reordering") {
        const auto tc = control_test::key("tc.key");
        auto r = run_noisy(ControlWrap(TlsCrypt(tc, false)), ControlWrap(TlsCrypt(tc, true)), 0.10, 0.10, 0.05, 7);
        CHECK(r.wire.corrupted > 50);
    }
    SUBCASE("tls-auth: loss 30%") {
        const auto ta = control_test::key("ta.key");
        using vpn::config::KeyDirection;
        run_noisy(ControlWrap(TlsAuth(ta, KeyDirection::Inverse)), ControlWrap(TlsAuth(ta, KeyDirection::Normal)),
                  0.30, 0.05, 0.02, 99);
    }
    SUBCASE("perfect wire") {
        auto r = run_noisy(ControlWrap(), ControlWrap(), 0, 0, 0, 1);
        CHECK(r.wire.dropped == 0);
    }
}
