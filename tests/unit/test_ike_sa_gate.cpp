// The responder front door (ipsec/ike/responder_gate.hpp) and the IKE_SA_INIT
// corrections: COOKIE (stateless, rotated secret) and INVALID_KE_PAYLOAD, back to
// back and against strongSwan's captured edge cases; and hostile input against an
// established IkeSa: truncated, garbage, wrong SPIs, replayed and tampered
// messages are counted drops and the SA keeps working.
#include <doctest/doctest.h>

#include "ike_message_vectors.hpp"
#include "ike_sa_test_support.hpp"
#include "ipsec/ike/responder_gate.hpp"

using namespace ike_sa_test;

namespace {

// An initiator IkeSa against a ResponderGate.
struct GateWire {
    std::unique_ptr<IkeSa> a;
    ResponderGate gate;
    std::int64_t now = 1000;
    std::vector<IkeEvent> ev_a;
    std::vector<ResponderGate::Event> ev_b;
    std::vector<OutDatagram> sent_a, sent_b;

    GateWire(IkeSaConfig ca, IkeSaConfig cb, GateConfig g)
        : gate([cb](const Endpoints&) { return std::optional<IkeSaConfig>(cb); }, g, 1000) {
        Endpoints ea{ep(ip4(10, 0, 0, 1), 500), ep(ip4(10, 0, 0, 2), 500)};
        a = std::make_unique<IkeSa>(std::move(ca), ea, now);
    }
    void pump() {
        for (int i = 0; i < 100; ++i) {
            auto da = a->take_datagrams();
            auto db = gate.take_datagrams();
            for (auto& e : a->take_events()) ev_a.push_back(std::move(e));
            for (auto& e : gate.take_events()) ev_b.push_back(std::move(e));
            if (da.empty() && db.empty()) return;
            for (auto& d : da) {
                sent_a.push_back(d);
                gate.on_datagram(d.bytes, Endpoints{d.to, d.from}, now);
            }
            for (auto& d : db) {
                sent_b.push_back(d);
                a->on_datagram(d.bytes, Endpoints{d.to, d.from}, now);
            }
        }
        FAIL("no settle");
    }
};

std::vector<IkeEvent> gate_events(const std::vector<ResponderGate::Event>& v) {
    std::vector<IkeEvent> out;
    for (const auto& e : v) out.push_back(e.event);
    return out;
}

}  // namespace

TEST_CASE("gate: one responder SA per IKE_SA_INIT, routed by SPI afterwards, reaped when closed") {
    GateWire w(psk_config(IkeRole::Initiator, 1), psk_config(IkeRole::Responder, 2), {});
    w.a->start(w.now);
    w.pump();
    REQUIRE(w.a->state() == IkeSaState::Established);
    CHECK(w.gate.size() == 1);
    CHECK(w.gate.stats().created == 1);
    check_mirrored(events_of<ChildSaUp>(w.ev_a).at(0), events_of<ChildSaUp>(gate_events(w.ev_b)).at(0));
    // A retransmitted IKE_SA_INIT goes to the same SA: the same response, no new SA.
    w.gate.on_datagram(w.sent_a[0].bytes, Endpoints{w.sent_a[0].to, w.sent_a[0].from}, w.now);
    auto again = w.gate.take_datagrams();
    REQUIRE(again.size() == 1);
    CHECK(again[0].bytes == w.sent_b[0].bytes);
    CHECK(w.gate.size() == 1);
    // IKE rekey: the gate follows the new SPIs.
    w.a->rekey_ike(w.now);
    w.pump();
    CHECK(events_of<IkeRekeyed>(w.ev_a).size() == 1);
    w.a->close(w.now);
    w.pump();
    CHECK(w.a->closed());
    CHECK(w.gate.size() == 0);
    CHECK(w.gate.stats().reaped == 1);
    CHECK(w.gate.stats().unknown_spi == 0);
}

TEST_CASE("gate: COOKIE when over the threshold; the initiator retries with the cookie first") {
    GateConfig g;
    g.cookie_threshold = 0;
    g.random = std::make_shared<DetRandom>(3);
    GateWire w(psk_config(IkeRole::Initiator, 1), psk_config(IkeRole::Responder, 2), g);
    w.a->start(w.now);
    w.pump();
    REQUIRE(w.a->state() == IkeSaState::Established);
    CHECK(w.gate.stats().cookies_sent == 1);
    REQUIRE(w.sent_a.size() >= 2);
    auto retry = parse_message(w.sent_a[1].bytes);
    REQUIRE(retry.ok());
    CHECK(retry.value.chain.payloads[0].type == PayloadType::Notify);
    // A forged cookie is refused (another cookie answer, no state).
    auto forged = w.sent_a[1].bytes;
    forged[28 + 8 + 5] ^= 1;  // inside the cookie data
    w.gate.on_datagram(forged, Endpoints{w.sent_a[1].to, ep(ip4(10, 0, 0, 9), 500)}, w.now);
    CHECK(w.gate.stats().bad_cookies == 1);
    CHECK(w.gate.size() == 1);
}

TEST_CASE("gate: half-open cap, half-open timeout, garbage") {
    GateConfig g;
    g.cookie_threshold = 100;
    g.max_half_open = 2;
    auto cb = psk_config(IkeRole::Responder, 2);
    ResponderGate gate([cb](const Endpoints&) { return std::optional<IkeSaConfig>(cb); }, g, 0);
    for (std::uint64_t s = 1; s <= 4; ++s) {
        IkeSa a(psk_config(IkeRole::Initiator, s * 11), {ep(ip4(10, 0, 0, 1), 500), ep(ip4(10, 0, 0, 2), 500)}, 0);
        a.start(0);
        auto d = a.take_datagrams().at(0);
        gate.on_datagram(d.bytes, Endpoints{d.to, d.from}, 0);
    }
    CHECK(gate.half_open() == 2);
    CHECK(gate.stats().refused_half_open == 2);
    gate.on_datagram(std::vector<std::uint8_t>(10, 0xff), {}, 0);
    gate.on_datagram(std::vector<std::uint8_t>(40, 0x00), {}, 0);
    CHECK(gate.stats().malformed + gate.stats().unknown_spi == 2);
    gate.on_timer(31000);  // strongSwan's half_open_timeout
    CHECK(gate.size() == 0);
}

TEST_CASE("gate: INVALID_KE_PAYLOAD keeps no state; the retry with the group asked for succeeds") {
    auto a = psk_config(IkeRole::Initiator, 1, "aes256gcm16-prfsha256-x25519,aes256gcm16-prfsha256-ecp256");
    auto b = psk_config(IkeRole::Responder, 2, "aes256gcm16-prfsha256-ecp256");
    GateWire w(std::move(a), std::move(b), {});
    w.a->start(w.now);
    w.pump();
    REQUIRE(w.a->state() == IkeSaState::Established);
    REQUIRE(w.sent_b.size() >= 2);
    auto m = parse_message(w.sent_b[0].bytes);
    REQUIRE(m.ok());
    CHECK(m.value.header.spi_r == IkeSpi{});
    CHECK(w.gate.stats().created == 2);
    CHECK(w.gate.stats().reaped == 1);
}

TEST_CASE("strongSwan's COOKIE and INVALID_KE_PAYLOAD answers drive our initiator's retries") {
    const auto& v = ike_msg_test::vectors();
    {
        auto c = psk_config(IkeRole::Initiator, 1, "aes256-sha256-modp2048,aes256-sha256-ecp256");
        auto rng = std::make_shared<DetRandom>(5);
        rng->spis = {unhex("678cc2f2a065dfb9")};
        c.random = rng;
        IkeSa sa(std::move(c), {ep(ip4(172, 31, 251, 1), 500), ep(ip4(172, 31, 251, 2), 500)}, 0);
        sa.start(0);
        auto first = sa.take_datagrams().at(0);
        sa.on_datagram(v.message("cookie", 1).bytes, {ep(ip4(172, 31, 251, 1), 500), ep(ip4(172, 31, 251, 2), 500)}, 1);
        auto retry = sa.take_datagrams();
        REQUIRE(retry.size() == 1);
        // Our retry: N(COOKIE) with strongSwan's 24 bytes first, the rest unchanged.
        auto m = parse_message(retry[0].bytes);
        REQUIRE(m.ok());
        auto n = parse_notify(m.value.chain.payloads.at(0).body);
        REQUIRE(n.ok());
        CHECK(n.value.type == notify::kCookie);
        CHECK(n.value.data.size() == 24);
        CHECK(retry[0].bytes.size() == first.bytes.size() + 32);
        // Then its INVALID_KE_PAYLOAD asking for ECP-256: the KE changes, the cookie stays.
        sa.on_datagram(v.message("cookie", 3).bytes, {ep(ip4(172, 31, 251, 1), 500), ep(ip4(172, 31, 251, 2), 500)}, 2);
        auto retry2 = sa.take_datagrams();
        REQUIRE(retry2.size() == 1);
        auto m2 = parse_message(retry2[0].bytes);
        REQUIRE(m2.ok());
        CHECK(parse_notify(m2.value.chain.payloads.at(0).body).value.type == notify::kCookie);
        CHECK(parse_ke(m2.value.chain.find(PayloadType::KE)->body).value.group == 19);
        CHECK(sa.state() == IkeSaState::SaInitSent);
    }
    {
        // Our gate answers strongSwan's IKE_SA_INIT (MODP-2048 KE) with
        // INVALID_KE_PAYLOAD(19) when it only takes ECP-256, as its own responder did.
        auto cb = psk_config(IkeRole::Responder, 2, "aes256-sha256-ecp256");
        ResponderGate gate([cb](const Endpoints&) { return std::optional<IkeSaConfig>(cb); }, {}, 0);
        Endpoints e{ep(ip4(172, 31, 251, 2), 500), ep(ip4(172, 31, 251, 1), 500)};
        gate.on_datagram(v.message("invalidke", 0).bytes, e, 0);
        auto out = gate.take_datagrams();
        REQUIRE(out.size() == 1);
        CHECK(out[0].bytes == v.message("invalidke", 1).bytes);  // byte for byte strongSwan's answer
        CHECK(gate.size() == 0);
        // Its retry with ECP-256 is accepted: an SA half-open with our KE.
        gate.on_datagram(v.message("invalidke", 2).bytes, e, 1);
        CHECK(gate.half_open() == 1);
    }
}

// ---------------------------------------------------------------- hostile input

TEST_CASE("hostile: truncated, garbage, wrong SPIs, replays and tampering are counted drops; the SA goes on") {
    Wire w(psk_config(IkeRole::Initiator, 1), psk_config(IkeRole::Responder, 2));
    w.start();
    REQUIRE(w.b->state() == IkeSaState::Established);
    const Endpoints to_b{w.sent_a[1].to, w.sent_a[1].from};
    const auto auth_req = w.sent_a[1].bytes;
    auto hit = [&](std::vector<std::uint8_t> bytes) { w.b->on_datagram(bytes, to_b, w.now); };

    std::uint64_t drops = 0;
    hit({});
    hit({1, 2, 3});
    hit(std::vector<std::uint8_t>(auth_req.begin(), auth_req.begin() + 40));  // truncated
    CHECK(w.b->stats()[DropReason::Malformed] == 3);
    std::vector<std::uint8_t> garbage(300);
    DetRandom r(99);
    for (int i = 0; i < 200; ++i) {
        r.bytes(garbage);
        hit(garbage);
    }
    // Wrong SPIs.
    auto wrong = auth_req;
    wrong[3] ^= 0x40;
    hit(wrong);
    CHECK(w.b->stats()[DropReason::UnknownSpi] >= 1);
    // Every single-byte change of an authenticated request after the header.
    auto info_before = w.b->stats().duplicates_answered;
    for (std::size_t i = 28; i < auth_req.size(); ++i) {
        auto t = auth_req;
        t[i] ^= 0x01;
        hit(t);
    }
    CHECK(w.b->stats().duplicates_answered == info_before);  // nothing answered
    CHECK(w.b->stats()[DropReason::Unauthenticated] > 0);
    // A replay of the IKE_AUTH request: only the cached response, nothing redone.
    const auto ups = events_of<ChildSaUp>(w.ev_b).size();
    hit(auth_req);
    CHECK(w.b->stats().duplicates_answered == info_before + 1);
    w.pump();
    CHECK(events_of<ChildSaUp>(w.ev_b).size() == ups);
    // A replay of the (answered) IKE_SA_INIT request: the cached answer too.
    hit(w.sent_a[0].bytes);
    drops = w.b->stats().total_drops();
    CHECK(drops > 200);
    w.pump();
    // Unsolicited responses with our SPIs are stray.
    auto resp = w.sent_b[1].bytes;
    const auto stray = w.a->stats()[DropReason::Unexpected];
    w.a->on_datagram(resp, Endpoints{w.sent_b[1].to, w.sent_b[1].from}, w.now);
    CHECK(w.a->stats()[DropReason::Unexpected] == stray + 1);

    // Still fully working: a child rekey goes through.
    CHECK(w.a->state() == IkeSaState::Established);
    CHECK(w.b->state() == IkeSaState::Established);
    auto first = events_of<ChildSaUp>(w.ev_a).at(0);
    w.a->rekey_child(first.inbound_spi, w.now);
    w.pump();
    check_mirrored(events_of<ChildSaUp>(w.ev_a).back(), events_of<ChildSaUp>(w.ev_b).back());
}

TEST_CASE("hostile: IKE_SA_INIT with major version 3 or an unknown critical payload is answered in clear, no state") {
    IkeSa a(psk_config(IkeRole::Initiator, 1), {ep(ip4(10, 0, 0, 1), 500), ep(ip4(10, 0, 0, 2), 500)}, 0);
    a.start(0);
    auto req = a.take_datagrams().at(0);
    const Endpoints at_b{req.to, req.from};
    auto v3 = req.bytes;
    v3[17] = 0x30;
    IkeSa fresh(psk_config(IkeRole::Responder, 5), at_b, 0);
    fresh.on_datagram(v3, at_b, 0);
    CHECK(fresh.stats()[DropReason::Malformed] == 1);
    CHECK(fresh.state() == IkeSaState::Idle);
    auto out = fresh.take_datagrams();
    REQUIRE(out.size() == 1);
    auto m = parse_message(out[0].bytes);
    REQUIRE(m.ok());
    CHECK(parse_notify(m.value.chain.payloads.at(0).body).value.type == notify::kInvalidMajorVersion);

    // Append an unknown payload (type 200) with the critical bit: the last payload's
    // Next Payload (the SIGNATURE_HASH_ALGORITHMS notify, 14 bytes) names it.
    auto crit = req.bytes;
    crit[crit.size() - 14] = 200;
    for (std::uint8_t b : {0, 0x80, 0, 8, 1, 2, 3, 4}) crit.push_back(b);
    store_be32(crit.data() + 24, static_cast<std::uint32_t>(crit.size()));
    IkeSa fresh2(psk_config(IkeRole::Responder, 6), at_b, 0);
    fresh2.on_datagram(crit, at_b, 0);
    auto out2 = fresh2.take_datagrams();
    REQUIRE(out2.size() == 1);
    auto m2 = parse_message(out2[0].bytes);
    REQUIRE(m2.ok());
    auto n = parse_notify(m2.value.chain.payloads.at(0).body);
    CHECK(n.value.type == notify::kUnsupportedCriticalPayload);
    CHECK(hex(n.value.data) == "c8");
}
