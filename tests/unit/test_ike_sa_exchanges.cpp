// IkeSa exchanges after IKE_AUTH, back to back under a fake clock: virtual IP
// (priority 3), retransmission / duplicates / DPD / Delete (4), child and IKE SA
// rekeys with and without PFS, lifetimes (5), with loss and reordering.
#include <doctest/doctest.h>

#include "ike_sa_test_support.hpp"

using namespace ike_sa_test;

namespace {

class Pool : public AddressAllocator {
public:
    explicit Pool(int n) : left(n) {}
    std::optional<IpAddress> acquire(const Identity&) override {
        if (left == 0) return std::nullopt;
        --left;
        ++leased;
        return ip4(10, 8, 0, std::uint8_t(10 + leased));
    }
    void release(const Identity&, const IpAddress&) override {
        ++left;
        --leased;
    }
    int left, leased = 0;
};

std::pair<IkeSaConfig, IkeSaConfig> vip_configs(std::shared_ptr<Pool> pool) {
    auto a = psk_config(IkeRole::Initiator, 1);
    a.virtual_ip = VirtualIp::Client;
    a.local_ts.clear();
    auto b = psk_config(IkeRole::Responder, 2);
    b.virtual_ip = VirtualIp::Gateway;
    b.allocator = pool;
    b.dns = {ip4(10, 2, 0, 53), ip4(10, 2, 0, 54)};
    return {std::move(a), std::move(b)};
}

}  // namespace

TEST_CASE("virtual IP: the client asks, the gateway assigns, narrows TSi to the address and hands out DNS") {
    auto pool = std::make_shared<Pool>(1);
    auto [a, b] = vip_configs(pool);
    Wire w(std::move(a), std::move(b));
    w.start();
    REQUIRE(w.a->state() == IkeSaState::Established);
    auto ua = events_of<IkeUp>(w.ev_a).at(0);
    auto ub = events_of<IkeUp>(w.ev_b).at(0);
    REQUIRE(ua.virtual_ip);
    CHECK(ua.virtual_ip->str() == "10.8.0.11");
    CHECK(ub.virtual_ip == ua.virtual_ip);
    REQUIRE(ua.dns.size() == 2);
    CHECK(ua.dns[1].str() == "10.2.0.54");
    auto ca = events_of<ChildSaUp>(w.ev_a).at(0);
    CHECK(ca.local_ts == std::vector{ts_host(ip4(10, 8, 0, 11))});
    CHECK(ca.remote_ts == std::vector{ts_subnet(ip4(10, 2, 0, 0), 24)});
    check_mirrored(ca, events_of<ChildSaUp>(w.ev_b).at(0));
    CHECK(pool->leased == 1);
    // The lease ends with the IKE SA.
    w.a->close(w.now);
    w.pump();
    CHECK(w.b->closed());
    CHECK(pool->leased == 0);
}

TEST_CASE("virtual IP: an empty pool fails the child with INTERNAL_ADDRESS_FAILURE, the IKE SA stays") {
    auto pool = std::make_shared<Pool>(0);
    auto [a, b] = vip_configs(pool);
    Wire w(std::move(a), std::move(b));
    w.start();
    CHECK(w.a->state() == IkeSaState::Established);
    CHECK_FALSE(events_of<IkeUp>(w.ev_a).at(0).virtual_ip);
    CHECK(events_of<ChildSaFailed>(w.ev_a).at(0).notify == notify::kInternalAddressFailure);
    // A client that does not ask for an address at all: FAILED_CP_REQUIRED.
    auto [c, d] = vip_configs(std::make_shared<Pool>(3));
    c.virtual_ip = VirtualIp::None;
    c.local_ts = {ts_subnet(ip4(10, 1, 0, 0), 24)};
    Wire w2(std::move(c), std::move(d));
    w2.start();
    CHECK(events_of<ChildSaFailed>(w2.ev_a).at(0).notify == notify::kFailedCpRequired);
}

TEST_CASE("retransmission: lost IKE_SA_INIT request and lost IKE_AUTH response are recovered") {
    Wire w(psk_config(IkeRole::Initiator, 1), psk_config(IkeRole::Responder, 2));
    // Datagrams in order: 0 INIT req (lost), 1 INIT req again, 2 INIT resp, 3 AUTH req,
    // 4 AUTH resp (lost), 5 AUTH req again, 6 cached AUTH resp.
    w.drop = [](const OutDatagram&, bool, std::size_t i) { return i == 0 || i == 4; };
    w.start();
    CHECK(w.a->state() == IkeSaState::SaInitSent);
    w.run_for(3999);
    CHECK(w.a->state() == IkeSaState::SaInitSent);
    w.run_for(1);  // 4 s: first retransmission
    CHECK(w.a->state() == IkeSaState::AuthSent);
    CHECK(w.b->state() == IkeSaState::Established);
    w.run_for(4000);
    REQUIRE(w.a->state() == IkeSaState::Established);
    CHECK(w.a->stats().retransmits == 2);
    CHECK(w.b->stats().duplicates_answered == 1);
    REQUIRE(w.sent_a.size() == 4);
    CHECK(w.sent_a[1].bytes == w.sent_a[0].bytes);  // byte for byte
    CHECK(w.sent_a[3].bytes == w.sent_a[2].bytes);
    CHECK(w.sent_b[2].bytes == w.sent_b[1].bytes);  // the cached response
    check_mirrored(events_of<ChildSaUp>(w.ev_a).at(0), events_of<ChildSaUp>(w.ev_b).at(0));
    CHECK(events_of<ChildSaUp>(w.ev_b).size() == 1);  // processed once
}

TEST_CASE("retransmission: strongSwan's schedule, then the peer is declared dead") {
    Wire w(psk_config(IkeRole::Initiator, 1), psk_config(IkeRole::Responder, 2));
    w.drop = [](const OutDatagram&, bool from_a, std::size_t) { return from_a; };
    w.start();
    std::vector<std::int64_t> times;
    std::size_t seen = 0;
    for (int i = 0; i < 400 && !w.a->closed(); ++i) {
        w.run_for(500);
        if (w.sent_a.size() != seen) {
            seen = w.sent_a.size();
            times.push_back(w.now - 1000);
        }
    }
    // Sends at 0, 4, 11.2, 24.2, 47.5, 89.5 s; gives up at ~165 s.
    REQUIRE(times.size() == 6);
    CHECK(times[1] == 4000);
    CHECK(times[2] == 11500);
    CHECK(times[5] == 89500);
    CHECK(w.a->closed());
    CHECK(w.now - 1000 >= 165000);
    CHECK(w.now - 1000 < 166000);
    CHECK(events_of<IkeDown>(w.ev_a).at(0).reason == "no answer to IKE_SA_INIT");
}

TEST_CASE("DPD: an idle SA probes and stays up; a vanished peer is declared dead") {
    auto a = psk_config(IkeRole::Initiator, 1);
    a.dpd_interval_ms = 10000;
    a.dpd_timeout_ms = 30000;
    Wire w(std::move(a), psk_config(IkeRole::Responder, 2));
    w.start();
    const auto sent = w.sent_a.size();
    w.run_for(9000);
    CHECK(w.sent_a.size() == sent);
    w.run_for(2000);
    CHECK(w.sent_a.size() == sent + 1);  // one empty INFORMATIONAL
    CHECK(w.a->state() == IkeSaState::Established);
    // Inbound ESP counts as life: no probe while traffic flows.
    for (int i = 0; i < 5; ++i) {
        w.a->note_inbound_esp(w.now);
        w.run_for(5000);
    }
    CHECK(w.sent_a.size() == sent + 1);
    // The peer goes away.
    w.drop = [](const OutDatagram&, bool, std::size_t) { return true; };
    w.run_for(60000);
    CHECK(w.a->closed());
    CHECK(events_of<IkeDown>(w.ev_a).at(0).reason == "dead peer: no answer to DPD");
    CHECK(events_of<ChildSaDown>(w.ev_a).size() == 1);
}

TEST_CASE("Delete: a child and the IKE SA, initiated by either side") {
    Wire w(psk_config(IkeRole::Initiator, 1), psk_config(IkeRole::Responder, 2));
    w.start();
    auto ca = events_of<ChildSaUp>(w.ev_a).at(0);
    w.b->delete_child(events_of<ChildSaUp>(w.ev_b).at(0).inbound_spi, w.now);
    w.pump();
    REQUIRE(events_of<ChildSaDown>(w.ev_a).size() == 1);
    CHECK(events_of<ChildSaDown>(w.ev_a)[0].inbound_spi == ca.inbound_spi);
    CHECK(events_of<ChildSaDown>(w.ev_b).size() == 1);
    CHECK(w.a->children().empty());
    CHECK(w.b->children().empty());
    CHECK(w.a->state() == IkeSaState::Established);
    w.b->close(w.now);
    CHECK(w.b->state() == IkeSaState::Deleting);
    w.pump();
    CHECK(w.a->closed());
    CHECK(w.b->closed());
    CHECK(events_of<IkeDown>(w.ev_a).at(0).reason == "IKE SA deleted by the peer");
    CHECK(events_of<IkeDown>(w.ev_b).at(0).reason == "IKE SA deleted");
}

TEST_CASE("child rekey with and without PFS, from either side: new child first, old one deleted after") {
    for (const char* esp : {"aes256gcm16", "aes256gcm16-x25519", "aes128-sha256-modp2048"}) {
        for (bool from_a : {true, false}) {
            CAPTURE(esp);
            CAPTURE(from_a);
            Wire w(psk_config(IkeRole::Initiator, 1, "aes256gcm16-prfsha256-x25519", esp),
                   psk_config(IkeRole::Responder, 2, "aes256gcm16-prfsha256-x25519", esp));
            w.start();
            auto first = events_of<ChildSaUp>(w.ev_a).at(0);
            IkeSa& who = from_a ? *w.a : *w.b;
            who.rekey_child(from_a ? first.inbound_spi : first.outbound_spi, w.now);
            w.pump();
            auto ua = events_of<ChildSaUp>(w.ev_a);
            auto ub = events_of<ChildSaUp>(w.ev_b);
            REQUIRE(ua.size() == 2);
            REQUIRE(ub.size() == 2);
            check_mirrored(ua[1], ub[1]);
            CHECK(key_hex(ua[1].out.encr_key) != key_hex(ua[0].out.encr_key));
            REQUIRE(ua[1].replaces_inbound_spi);
            CHECK(*ua[1].replaces_inbound_spi == first.inbound_spi);
            // No gap: the old child goes down only after the new one is up.
            auto da = events_of<ChildSaDown>(w.ev_a);
            REQUIRE(da.size() == 1);
            CHECK(da[0].inbound_spi == first.inbound_spi);
            CHECK(events_of<ChildSaDown>(w.ev_b).size() == 1);
            CHECK(w.a->children().size() == 1);
            CHECK(w.b->children().size() == 1);
            // PFS group of the rekeyed child: the proposal's DH, none without one.
            const std::string e = esp;
            const int dh = e == "aes256gcm16-x25519" ? 31 : e == "aes128-sha256-modp2048" ? 14 : 0;
            CHECK(w.a->children()[0].transforms.dh == dh);
        }
    }
}

TEST_CASE("lifetimes: the child is rekeyed before esp-lifetime, the IKE SA before ike-lifetime") {
    auto a = psk_config(IkeRole::Initiator, 1);
    a.esp_lifetime_ms = 60000;
    a.ike_lifetime_ms = 200000;
    auto b = psk_config(IkeRole::Responder, 2);
    Wire w(std::move(a), std::move(b));
    w.start();
    auto info = w.a->children().at(0);
    CHECK(info.rekey_at - w.now <= 54000);
    CHECK(info.rekey_at - w.now >= 48000);
    w.run_for(55000);
    CHECK(events_of<ChildSaUp>(w.ev_a).size() == 2);
    CHECK(events_of<ChildSaDown>(w.ev_a).size() == 1);
    w.run_for(130000);
    CHECK(events_of<IkeRekeyed>(w.ev_a).size() == 1);
    CHECK(events_of<IkeRekeyed>(w.ev_b).size() == 1);
    CHECK(w.a->state() == IkeSaState::Established);
    CHECK(w.a->stats().total_drops() == 0);
    CHECK(w.b->stats().total_drops() == 0);
}

TEST_CASE("IKE SA rekey from either side: children move over, message IDs restart, the new SA works") {
    for (bool from_a : {true, false}) {
        CAPTURE(from_a);
        Wire w(psk_config(IkeRole::Initiator, 1), psk_config(IkeRole::Responder, 2));
        w.start();
        const IkeSpi old_i = w.a->spi_i();
        (from_a ? *w.a : *w.b).rekey_ike(w.now);
        w.pump();
        auto ra = events_of<IkeRekeyed>(w.ev_a);
        auto rb = events_of<IkeRekeyed>(w.ev_b);
        REQUIRE(ra.size() == 1);
        REQUIRE(rb.size() == 1);
        CHECK(ra[0].new_spi_i == rb[0].new_spi_i);
        CHECK(ra[0].new_spi_r == rb[0].new_spi_r);
        CHECK(w.a->spi_i() != old_i);
        CHECK(w.a->local_spis().size() == 1);  // the old SA is deleted
        CHECK(w.b->local_spis().size() == 1);
        CHECK(w.a->children().size() == 1);
        CHECK(events_of<ChildSaDown>(w.ev_a).empty());
        // The new SA's SK_d makes matching child keys; its message IDs start at 0.
        auto first = events_of<ChildSaUp>(w.ev_a).at(0);
        const auto before = w.sent_a.size();
        w.a->rekey_child(first.inbound_spi, w.now);
        w.pump();
        auto h = parse_header(w.sent_a.at(before).bytes);
        REQUIRE(h.ok());
        CHECK(h.value.message_id == (from_a ? 0u : 0u));
        auto ua = events_of<ChildSaUp>(w.ev_a);
        REQUIRE(ua.size() == 2);
        check_mirrored(ua[1], events_of<ChildSaUp>(w.ev_b).at(1));
        CHECK(w.a->stats().total_drops() == 0);
        CHECK(w.b->stats().total_drops() == 0);
    }
}

TEST_CASE("rekey collisions: a rekey of a child being rekeyed gets TEMPORARY_FAILURE and is retried") {
    Wire w(psk_config(IkeRole::Initiator, 1), psk_config(IkeRole::Responder, 2));
    w.start();
    auto first = events_of<ChildSaUp>(w.ev_a).at(0);
    w.a->rekey_child(first.inbound_spi, w.now);
    w.b->rekey_child(first.outbound_spi, w.now);
    w.pump();
    w.run_for(20000);
    // One side won, the other retried later on the already rekeyed child or gave up
    // on it: both end with exactly one child, the same one.
    REQUIRE(w.a->children().size() == 1);
    REQUIRE(w.b->children().size() == 1);
    CHECK(w.a->children()[0].inbound_spi == w.b->children()[0].outbound_spi);
    CHECK(w.a->state() == IkeSaState::Established);
}

TEST_CASE("reordering and loss while rekeying: the state machines recover") {
    Wire w(psk_config(IkeRole::Initiator, 1), psk_config(IkeRole::Responder, 2));
    w.start();
    auto first = events_of<ChildSaUp>(w.ev_a).at(0);
    std::size_t base = w.count;
    w.drop = [base](const OutDatagram&, bool, std::size_t i) { return i == base + 1 || i == base + 3; };
    w.a->rekey_child(first.inbound_spi, w.now);
    w.b->rekey_ike(w.now);
    w.pump();
    w.run_for(60000);
    CHECK(w.a->state() == IkeSaState::Established);
    CHECK(w.b->state() == IkeSaState::Established);
    CHECK(events_of<IkeRekeyed>(w.ev_a).size() == 1);
    REQUIRE(w.a->children().size() == 1);
    REQUIRE(w.b->children().size() == 1);
    CHECK(w.a->children()[0].inbound_spi == w.b->children()[0].outbound_spi);
    CHECK(w.a->children()[0].inbound_spi != first.inbound_spi);
}
