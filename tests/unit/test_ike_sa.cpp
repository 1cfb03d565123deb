// IkeSa (ipsec/ike/ike_sa.hpp), priority 1: PSK IKE_SA_INIT + IKE_AUTH with the
// first child between two IkeSas in memory (both roles, keys mirrored), proposal
// choice, NAT-T float, refusals; and strongSwan's PSK session replayed into a
// responder and an initiator (nonce, SPI and g^ir injected from the capture).
#include <doctest/doctest.h>

#include "ike_message_vectors.hpp"
#include "ike_sa_test_support.hpp"
#include "ipsec/ike/sk_message.hpp"

using namespace ike_sa_test;

TEST_CASE("PSK: both sides establish the IKE SA and the first child, keys mirrored") {
    for (auto [ike, esp] : {std::pair{"aes256gcm16-prfsha256-x25519", "aes256gcm16"},
                            std::pair{"aes256-sha256-modp2048", "aes128-sha1"},
                            std::pair{"aes128-sha256-ecp256", "aes256-sha256"}}) {
        CAPTURE(ike);
        Wire w(psk_config(IkeRole::Initiator, 1, ike, esp), psk_config(IkeRole::Responder, 2, ike, esp));
        w.start();
        CHECK(w.a->state() == IkeSaState::Established);
        CHECK(w.b->state() == IkeSaState::Established);
        auto up_a = events_of<IkeUp>(w.ev_a);
        auto up_b = events_of<IkeUp>(w.ev_b);
        REQUIRE(up_a.size() == 1);
        REQUIRE(up_b.size() == 1);
        CHECK(up_a[0].peer.str() == "b.test");
        CHECK(up_b[0].peer.str() == "a.test");
        auto ca = events_of<ChildSaUp>(w.ev_a);
        auto cb = events_of<ChildSaUp>(w.ev_b);
        REQUIRE(ca.size() == 1);
        REQUIRE(cb.size() == 1);
        check_mirrored(ca[0], cb[0]);
        CHECK(ca[0].local_ts == std::vector{ts_subnet(ip4(10, 1, 0, 0), 24)});
        CHECK(ca[0].remote_ts == std::vector{ts_subnet(ip4(10, 2, 0, 0), 24)});
        CHECK(ca[0].lifetime_ms == 3600 * 1000);
        CHECK_FALSE(ca[0].udp_encap);  // no NAT on this wire
        CHECK(w.a->stats().total_drops() == 0);
        CHECK(w.b->stats().total_drops() == 0);
        // Four datagrams: IKE_SA_INIT and IKE_AUTH, request and response.
        CHECK(w.sent_a.size() == 2);
        CHECK(w.sent_b.size() == 2);
        CHECK(w.a->spi_i() == w.b->spi_i());
        CHECK(w.a->spi_r() == w.b->spi_r());
    }
}

TEST_CASE("PSK: the key schedule is the peer's, not a copy of ours (i/r split matters)") {
    Wire w(psk_config(IkeRole::Initiator, 1, "aes256-sha256-modp2048", "aes128-sha1"),
           psk_config(IkeRole::Responder, 2, "aes256-sha256-modp2048", "aes128-sha1"));
    w.start();
    auto ca = events_of<ChildSaUp>(w.ev_a);
    REQUIRE(ca.size() == 1);
    CHECK(ca[0].suite.encr == esp::Encr::AesCbc);
    CHECK(ca[0].suite.encr_bits == 128);
    CHECK(ca[0].suite.integ == esp::Integ::HmacSha1_96);
    CHECK(ca[0].in.integ_key.size() == 20);
    CHECK(key_hex(ca[0].in.integ_key) != key_hex(ca[0].out.integ_key));
}

TEST_CASE("responder picks the first of its own proposals that the initiator offers") {
    auto a = psk_config(IkeRole::Initiator, 1, "aes128-sha256-modp2048,aes256gcm16-prfsha256-x25519",
                        "aes128-sha1,aes256gcm16");
    auto b = psk_config(IkeRole::Responder, 2, "aes256gcm16-prfsha256-x25519,aes128-sha256-modp2048",
                        "aes256gcm16,aes128-sha1");
    Wire w(std::move(a), std::move(b));
    w.start();
    REQUIRE(w.a->state() == IkeSaState::Established);
    // The initiator's KE was MODP-2048 (its first proposal): the responder asked for
    // Curve25519 with INVALID_KE_PAYLOAD, the initiator retried.
    CHECK(w.sent_a.size() == 3);
    auto ca = events_of<ChildSaUp>(w.ev_a);
    REQUIRE(ca.size() == 1);
    CHECK(ca[0].suite.encr == esp::Encr::AesGcm16);
    CHECK(ca[0].suite.encr_bits == 256);
}

TEST_CASE("no common IKE proposal: NO_PROPOSAL_CHOSEN, both sides down") {
    Wire w(psk_config(IkeRole::Initiator, 1, "aes128-sha256-modp2048"),
           psk_config(IkeRole::Responder, 2, "aes256gcm16-prfsha256-x25519"));
    w.start();
    CHECK(w.a->closed());
    CHECK(w.b->closed());
    auto down = events_of<IkeDown>(w.ev_a);
    REQUIRE(down.size() == 1);
    CHECK(down[0].reason == "IKE_SA_INIT refused: NO_PROPOSAL_CHOSEN");
}

TEST_CASE("no common ESP proposal: the IKE SA comes up without the child") {
    Wire w(psk_config(IkeRole::Initiator, 1, "aes256gcm16-prfsha256-x25519", "aes128-sha1"),
           psk_config(IkeRole::Responder, 2, "aes256gcm16-prfsha256-x25519", "aes256gcm16"));
    w.start();
    CHECK(w.a->state() == IkeSaState::Established);
    CHECK(events_of<ChildSaUp>(w.ev_a).empty());
    auto f = events_of<ChildSaFailed>(w.ev_a);
    REQUIRE(f.size() == 1);
    CHECK(f[0].notify == notify::kNoProposalChosen);
    CHECK(events_of<ChildSaFailed>(w.ev_b).size() == 1);
}

TEST_CASE("traffic selectors: the responder narrows, disjoint ones are TS_UNACCEPTABLE") {
    auto a = psk_config(IkeRole::Initiator, 1);
    a.local_ts = {ts_subnet(ip4(10, 1, 0, 0), 16)};
    a.remote_ts = {ts_subnet(ip4(10, 2, 0, 0), 16)};
    Wire w(std::move(a), psk_config(IkeRole::Responder, 2));
    w.start();
    auto ca = events_of<ChildSaUp>(w.ev_a);
    REQUIRE(ca.size() == 1);
    CHECK(ca[0].local_ts == std::vector{ts_subnet(ip4(10, 1, 0, 0), 24)});
    CHECK(ca[0].remote_ts == std::vector{ts_subnet(ip4(10, 2, 0, 0), 24)});

    auto c = psk_config(IkeRole::Initiator, 3);
    c.remote_ts = {ts_subnet(ip4(10, 9, 0, 0), 24)};
    Wire w2(std::move(c), psk_config(IkeRole::Responder, 4));
    w2.start();
    CHECK(w2.a->state() == IkeSaState::Established);
    auto f = events_of<ChildSaFailed>(w2.ev_a);
    REQUIRE(f.size() == 1);
    CHECK(f[0].notify == notify::kTsUnacceptable);
}

TEST_CASE("wrong PSK or unexpected identity: AUTHENTICATION_FAILED, both sides down") {
    auto b = psk_config(IkeRole::Responder, 2);
    b.psk = psk("a.test another-secret\n");
    Wire w(psk_config(IkeRole::Initiator, 1), std::move(b));
    w.start();
    CHECK(w.a->closed());
    CHECK(w.b->closed());
    REQUIRE(events_of<IkeDown>(w.ev_a).size() == 1);
    CHECK(events_of<IkeDown>(w.ev_a)[0].reason == "IKE_AUTH refused by the peer: AUTHENTICATION_FAILED");
    CHECK(events_of<IkeDown>(w.ev_b)[0].reason.find("does not verify") != std::string::npos);
    CHECK(events_of<ChildSaUp>(w.ev_a).empty());

    auto b2 = psk_config(IkeRole::Responder, 4);
    b2.remote_id = id("c.test");
    Wire w2(psk_config(IkeRole::Initiator, 3), std::move(b2));
    w2.start();
    CHECK(w2.b->closed());
    CHECK(events_of<IkeDown>(w2.ev_b)[0].reason.find("is not the expected c.test") != std::string::npos);

    // The responder proves a different identity than the initiator expects.
    auto a3 = psk_config(IkeRole::Initiator, 5);
    a3.remote_id = id("z.test");
    a3.psk = psk("secret-one-two-three\n");
    auto b3 = psk_config(IkeRole::Responder, 6);
    b3.psk = psk("secret-one-two-three\n");
    Wire w3(std::move(a3), std::move(b3));
    w3.start();
    CHECK(w3.a->closed());
    CHECK(events_of<IkeDown>(w3.ev_a)[0].reason.find("not the expected z.test") != std::string::npos);
}

TEST_CASE("nat-traversal force: both sides float to 4500 after IKE_SA_INIT") {
    auto a = psk_config(IkeRole::Initiator, 1);
    a.nat = NatTraversal::Force;
    Wire w(std::move(a), psk_config(IkeRole::Responder, 2));
    w.start();
    REQUIRE(w.a->state() == IkeSaState::Established);
    CHECK(w.a->nat_detected());
    CHECK(w.b->nat_detected());
    auto na = events_of<NatChanged>(w.ev_a);
    auto nb = events_of<NatChanged>(w.ev_b);
    REQUIRE(na.size() == 1);
    REQUIRE(nb.size() == 1);
    CHECK(na[0].peer.port == 4500);
    CHECK(nb[0].peer.port == 4500);
    CHECK(nb[0].local.port == 4500);
    CHECK_FALSE(w.sent_a[0].natt);  // IKE_SA_INIT on 500
    CHECK(w.sent_a[1].natt);        // IKE_AUTH on 4500 with the marker
    CHECK(w.sent_a[1].to.port == 4500);
    CHECK(w.sent_b[1].natt);
    CHECK(events_of<ChildSaUp>(w.ev_a)[0].udp_encap);
    CHECK(events_of<ChildSaUp>(w.ev_b)[0].udp_encap);
    CHECK(events_of<PeerMoved>(w.ev_b).empty());

    // nat-traversal no: no NAT-D at all, nothing floats even when the peer forces.
    auto c = psk_config(IkeRole::Initiator, 3);
    c.nat = NatTraversal::No;
    auto d = psk_config(IkeRole::Responder, 4);
    d.nat = NatTraversal::Force;
    Wire w2(std::move(c), std::move(d));
    w2.start();
    CHECK_FALSE(w2.a->nat_detected());
    CHECK_FALSE(events_of<ChildSaUp>(w2.ev_a)[0].udp_encap);
}

// ---------------------------------------------------------------- strongSwan replay

namespace {

const ike_msg_test::Message& ss(const char* capture, int index) { return ike_msg_test::vectors().message(capture, index); }

struct Replay {
    ike_key_test::SessionVectors v;
    std::shared_ptr<DetRandom> rng = std::make_shared<DetRandom>(7);
    std::shared_ptr<std::deque<Blob>> secrets = std::make_shared<std::deque<Blob>>();
};

Endpoints bench(bool initiator, std::uint16_t port) {
    Endpoint i = ep(ip4(172, 31, 251, 1), port), r = ep(ip4(172, 31, 251, 2), port);
    return initiator ? Endpoints{i, r} : Endpoints{r, i};
}

IkeSaConfig psk_bench_config(IkeRole role, Replay& r) {
    IkeSaConfig c;
    c.role = role;
    c.ike_proposals = ike_p("aes256-sha256-modp2048");
    c.esp_proposals = esp_p("aes128-sha1");
    c.psk = psk("ikebench-psk-0123456789\n");
    const bool i = role == IkeRole::Initiator;
    c.local_id = id(i ? "a.ike.test" : "b.ike.test");
    c.remote_id = id(i ? "b.ike.test" : "a.ike.test");
    auto ha = ts_host(ip4(172, 31, 251, 65)), hb = ts_host(ip4(172, 31, 251, 81));
    c.local_ts = {i ? ha : hb};
    c.remote_ts = {i ? hb : ha};
    c.random = r.rng;
    c.key_exchange = scripted_kex(r.secrets);
    return c;
}

// Child KEYMAT = Ei | Ai | Er | Ar for AES-128-CBC + HMAC-SHA1-96.
void check_psk_child(const ChildSaUp& c, const Blob& keymat, bool initiator) {
    auto part = [&](std::size_t off, std::size_t n) { return hex(Bytes(keymat).subspan(off, n)); };
    const auto& i_to_r = initiator ? c.out : c.in;
    const auto& r_to_i = initiator ? c.in : c.out;
    CHECK(key_hex(i_to_r.encr_key) == part(0, 16));
    CHECK(key_hex(i_to_r.integ_key) == part(16, 20));
    CHECK(key_hex(r_to_i.encr_key) == part(36, 16));
    CHECK(key_hex(r_to_i.integ_key) == part(52, 20));
}

}  // namespace

TEST_CASE("strongSwan PSK session replayed into a responder: its AUTH verifies, child keys match its KEYMAT") {
    Replay r{ike_key_test::session_vectors("psk-session-vectors.txt")};
    r.rng->nonces = {r.v["Nr"]};
    r.rng->spis = {r.v["SPIr"]};
    r.secrets->push_back(r.v["g^ir"]);
    IkeSa sa(psk_bench_config(IkeRole::Responder, r), bench(false, 500), 0);

    // strongSwan's IKE_SA_INIT request: we choose its (only) proposal and answer with our KE.
    sa.on_datagram(ss("psk", 0).bytes, bench(false, 500), 10);
    auto out = sa.take_datagrams();
    REQUIRE(out.size() == 1);
    CHECK(sa.state() == IkeSaState::HalfOpen);
    auto resp = parse_message(out[0].bytes);
    REQUIRE(resp.ok());
    CHECK(hex(resp.value.header.spi_r) == hex(r.v["SPIr"]));
    auto sa_body = parse_sa(resp.value.chain.find(PayloadType::SA)->body);
    REQUIRE(sa_body.ok());
    REQUIRE(sa_body.value.proposals.size() == 1);
    auto theirs = parse_sa(parse_message(ss("psk", 0).bytes).value.chain.find(PayloadType::SA)->body).value;
    auto sorted = [](std::vector<Transform> t) {
        std::sort(t.begin(), t.end(), [](const Transform& x, const Transform& y) { return x.type < y.type; });
        return t;
    };
    // The same transforms (we list them in type order, strongSwan ENCR INTEG PRF DH).
    CHECK(sorted(sa_body.value.proposals[0].transforms) == sorted(theirs.proposals[0].transforms));
    CHECK(sa_body.value.proposals[0].number == 1);
    auto ke = parse_ke(resp.value.chain.find(PayloadType::KE)->body);
    CHECK(ke.value.group == 14);
    CHECK(ke.value.data.size() == 256);
    CHECK(hex(parse_nonce(resp.value.chain.find(PayloadType::Nonce)->body).value.data) == hex(r.v["Nr"]));
    CHECK(resp.value.chain.find(PayloadType::CERTREQ) == nullptr);  // PSK: no CERTREQ
    CHECK(sa.nat_detected());  // strongSwan fakes its NAT_DETECTION_SOURCE_IP

    // Its IKE_AUTH request, on 4500: decrypts with our keys, its AUTH verifies.
    sa.on_datagram(ss("psk", 2).bytes, bench(false, 4500), 20);
    CHECK(sa.stats().total_drops() == 0);
    REQUIRE(sa.state() == IkeSaState::Established);
    auto ev = sa.take_events();
    auto up = events_of<IkeUp>(ev);
    REQUIRE(up.size() == 1);
    CHECK(up[0].peer.str() == "a.ike.test");
    REQUIRE(events_of<NatChanged>(ev).size() == 1);
    auto child = events_of<ChildSaUp>(ev);
    REQUIRE(child.size() == 1);
    check_psk_child(child[0], r.v["child_KEYMAT"], false);
    CHECK(child[0].udp_encap);
    // Our response is protected with SK_er/SK_ar of the capture.
    auto auth_out = sa.take_datagrams();
    REQUIRE(auth_out.size() == 1);
    CHECK(auth_out[0].natt);
    auto m = parse_message(auth_out[0].bytes);
    REQUIRE(m.ok());
    auto cipher = ike_msg_test::cipher_for(auth_out[0].bytes);
    std::vector<std::uint8_t> plain(auth_out[0].bytes.size());
    auto inner = open_message(cipher, m.value, plain);
    REQUIRE(inner.ok());
    CHECK(ike_msg_test::types_of(inner.value) == std::vector<int>{36, 39, 33, 44, 45});

    // Its INFORMATIONAL with a Delete (message ID 2): answered, the child goes.
    sa.on_datagram(ss("psk", 6).bytes, bench(false, 4500), 30);
    CHECK(sa.stats().total_drops() == 0);
    CHECK(sa.take_datagrams().size() == 1);
    auto ev2 = sa.take_events();
    CHECK(events_of<ChildSaDown>(ev2).size() + events_of<IkeDown>(ev2).size() >= 1);
}

TEST_CASE("strongSwan PSK session replayed into an initiator: its responder AUTH verifies, child keys match") {
    Replay r{ike_key_test::session_vectors("psk-session-vectors.txt")};
    r.rng->nonces = {r.v["Ni"]};
    r.rng->spis = {r.v["SPIi"]};
    r.secrets->push_back(r.v["g^ir"]);
    IkeSa sa(psk_bench_config(IkeRole::Initiator, r), bench(true, 500), 0);
    sa.start(0);
    auto init = sa.take_datagrams();
    REQUIRE(init.size() == 1);
    CHECK(hex(Bytes(init[0].bytes).first(8)) == hex(r.v["SPIi"]));

    sa.on_datagram(ss("psk", 1).bytes, bench(true, 500), 10);
    CHECK(sa.state() == IkeSaState::AuthSent);
    auto nat = events_of<NatChanged>(sa.take_events());
    REQUIRE(nat.size() == 1);  // strongSwan's fake source hash: float to 4500
    auto auth = sa.take_datagrams();
    REQUIRE(auth.size() == 1);
    CHECK(auth[0].natt);
    CHECK(auth[0].to.port == 4500);

    sa.on_datagram(ss("psk", 3).bytes, bench(true, 4500), 20);
    CHECK(sa.stats().total_drops() == 0);
    REQUIRE(sa.state() == IkeSaState::Established);
    auto ev = sa.take_events();
    REQUIRE(events_of<IkeUp>(ev).size() == 1);
    CHECK(events_of<IkeUp>(ev)[0].peer.str() == "b.ike.test");
    auto child = events_of<ChildSaUp>(ev);
    REQUIRE(child.size() == 1);
    check_psk_child(child[0], r.v["child_KEYMAT"], true);

    // strongSwan's MOBIKE INFORMATIONAL (N(NO_ADDITIONAL_ADDRESSES), its MID 0): an
    // empty response.
    sa.on_datagram(ss("psk", 4).bytes, bench(true, 4500), 30);
    auto info = sa.take_datagrams();
    REQUIRE(info.size() == 1);
    auto m = parse_message(info[0].bytes);
    REQUIRE(m.ok());
    CHECK(m.value.header.is_response());
    CHECK(m.value.header.message_id == 0);
    auto cipher = ike_msg_test::cipher_for(info[0].bytes);
    std::vector<std::uint8_t> plain(info[0].bytes.size());
    auto inner = open_message(cipher, m.value, plain);
    REQUIRE(inner.ok());
    CHECK(inner.value.payloads.empty());
    // The same request again: the cached response, byte for byte.
    sa.on_datagram(ss("psk", 4).bytes, bench(true, 4500), 31);
    auto again = sa.take_datagrams();
    REQUIRE(again.size() == 1);
    CHECK(again[0].bytes == info[0].bytes);
    CHECK(sa.stats().duplicates_answered == 1);
}
