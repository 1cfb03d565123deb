// The TAP server's MAC table against OpenVPN 2.6 mroute.c / multi.c rules.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "server/mac_table.hpp"

using namespace vpn::server;

namespace {
Mac mac(std::uint64_t v) {
    Mac m{};
    for (int i = 5; i >= 0; --i, v >>= 8) m[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    return m;
}
const Mac kA = mac(0x525400000001);
const Mac kB = mac(0x525400000002);
const Mac kC = mac(0x525400000003);
}  // namespace

TEST_CASE("mac table: frame parsing and address classes") {
    std::vector<std::uint8_t> frame = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12,
                                       0x34, 0x56, 0x08, 0x06, 0x00, 0x01};
    auto a = parse_ethernet(frame);
    REQUIRE(a);
    CHECK(is_broadcast(a->dest));
    CHECK(is_group(a->dest));
    CHECK(a->source == mac(0x525400123456));
    CHECK(format_mac(a->source) == "52:54:00:12:34:56@0");
    CHECK(format_mac(mac(0x0a0b0c0d0e0f), 7) == "0a:0b:0c:0d:0e:0f@7");

    // Exactly a header is enough; one byte less, or nothing, is not.
    CHECK(parse_ethernet(std::span(frame).first(14)));
    CHECK_FALSE(parse_ethernet(std::span(frame).first(13)));
    CHECK_FALSE(parse_ethernet({}));

    CHECK(is_group(mac(0x01005e000001)));   // IPv4 multicast
    CHECK(is_group(mac(0x333300000001)));   // IPv6 multicast
    CHECK_FALSE(is_broadcast(mac(0x01005e000001)));
    CHECK_FALSE(is_group(kA));
    CHECK(mac_learnable(kA));
    CHECK_FALSE(mac_learnable(mac(0)));
    CHECK_FALSE(mac_learnable(mac(0xffffffffffff)));
    CHECK_FALSE(mac_learnable(mac(0x01005e000001)));
}

TEST_CASE("mac table: learn, move, lookup, remove") {
    MacTable t(16);
    CHECK(t.learn(kA, 1, 0).op == LearnOp::Add);
    CHECK(t.learn(kA, 1, 1).op == LearnOp::None);
    CHECK(t.learn(kB, 2, 1).op == LearnOp::Add);
    CHECK(t.learn(kC, 2, 1).op == LearnOp::Add);
    CHECK(t.lookup(kA, 2) == 1);
    CHECK(t.lookup(kB, 2) == 2);
    CHECK(t.lookup(mac(0x525400000099), 2) == kNoClient);
    CHECK(t.lookup(mac(0xffffffffffff), 2) == kNoClient);

    // The MAC shows up behind another client: it moves (learn-address update).
    CHECK(t.preview(kA, 2, 3).op == LearnOp::Update);
    CHECK(t.lookup(kA, 3) == 1);  // preview changes nothing
    LearnResult r = t.learn(kA, 2, 3);
    CHECK(r.op == LearnOp::Update);
    CHECK(r.previous == 1);
    CHECK(t.lookup(kA, 3) == 2);
    CHECK(t.macs_of(1) == 0);
    CHECK(t.macs_of(2) == 3);

    // Sources 2.6 never learns.
    CHECK(t.learn(mac(0x01005e000001), 1, 3).op == LearnOp::NotLearnable);
    CHECK(t.learn(mac(0), 1, 3).op == LearnOp::NotLearnable);
    CHECK(t.learn(kC, kNoClient, 3).op == LearnOp::NotLearnable);

    auto gone = t.remove_client(2);
    CHECK(gone.size() == 3);
    CHECK(std::find(gone.begin(), gone.end(), kB) != gone.end());
    CHECK(t.size() == 0);
    CHECK(t.lookup(kA, 4) == kNoClient);
    CHECK(t.remove_client(2).empty());
}

TEST_CASE("mac table: a full table refuses new MACs but still moves known ones") {
    MacTable t(4);
    for (std::uint64_t i = 1; i <= 4; ++i) CHECK(t.learn(mac(0x020000000000 + i), 1, 0).op == LearnOp::Add);
    CHECK(t.learn(mac(0x020000000005), 1, 0).op == LearnOp::TableFull);
    CHECK(t.learn(mac(0x020000000005), 2, 0).op == LearnOp::TableFull);
    CHECK(t.lookup(mac(0x020000000005), 0) == kNoClient);
    CHECK(t.learn(mac(0x020000000001), 2, 0).op == LearnOp::Update);
    CHECK(t.learn(mac(0x020000000002), 1, 0).op == LearnOp::None);
    CHECK(t.size() == 4);
    CHECK(t.remove_client(2).size() == 1);
    CHECK(t.learn(mac(0x020000000005), 2, 0).op == LearnOp::Add);
    CHECK(t.lookup(mac(0x020000000005), 0) == 2);
}

TEST_CASE("mac table: per-client quota (max-routes-per-client)") {
    MacTable t(64, 2);
    CHECK(t.learn(kA, 1, 0).op == LearnOp::Add);
    CHECK(t.learn(kB, 1, 0).op == LearnOp::Add);
    CHECK(t.learn(kC, 1, 0).op == LearnOp::QuotaExceeded);
    CHECK(t.learn(kA, 1, 0).op == LearnOp::None);  // known MACs stay usable at the quota
    CHECK(t.learn(kC, 2, 0).op == LearnOp::Add);
    CHECK(t.learn(kC, 1, 0).op == LearnOp::QuotaExceeded);  // taking another's counts too
    CHECK(t.lookup(kC, 0) == 2);
}

TEST_CASE("mac table: ageing") {
    MacTable t(16, 256, 10);
    CHECK(t.learn(kA, 1, 100).op == LearnOp::Add);
    CHECK(t.learn(kB, 2, 100).op == LearnOp::Add);
    CHECK(t.lookup(kA, 109) == 1);                    // refreshes A to 109
    CHECK(t.learn(kB, 2, 105).op == LearnOp::None);   // refreshes B to 105
    CHECK(t.lookup(kB, 115) == kNoClient);            // 10 s without a refresh
    CHECK(t.lookup(kA, 118) == 1);
    CHECK(t.preview(kB, 2, 115).op == LearnOp::Add);  // expired: learned afresh
    CHECK(t.preview(kB, 3, 115).op == LearnOp::Add);  // not an update of a gone entry

    auto gone = t.expire(115);
    REQUIRE(gone.size() == 1);
    CHECK(gone[0].mac == kB);
    CHECK(gone[0].client == 2);
    CHECK(t.size() == 1);
    CHECK(t.macs_of(2) == 0);
    CHECK(t.expire(115).empty());

    // A MAC whose entry expired comes back behind another client: a plain add.
    CHECK(t.lookup(kA, 128) == kNoClient);
    LearnResult r = t.learn(kA, 3, 128);
    CHECK(r.op == LearnOp::Add);
    CHECK(r.previous == kNoClient);
    CHECK(t.macs_of(1) == 0);
    CHECK(t.macs_of(3) == 1);
    CHECK(t.lookup(kA, 128) == 3);

    // An expired MAC of a client at its quota can be learned again.
    MacTable q(16, 1, 10);
    CHECK(q.learn(kA, 1, 0).op == LearnOp::Add);
    CHECK(q.learn(kA, 1, 20).op == LearnOp::Add);
    CHECK(q.lookup(kA, 21) == 1);

    // 0: never expires (2.6 without --stale-routes-check).
    MacTable never(16, 256, 0);
    never.learn(kA, 1, 0);
    CHECK(never.lookup(kA, 1'000'000'000) == 1);
    CHECK(never.expire(1'000'000'000).empty());
}

TEST_CASE("mac table: hostile source addresses keep the table consistent") {
    // A client spraying random source MACs, others coming and going: compare with a
    // plain map after every step.  Bounded: 20000 operations.
    const std::size_t cap = 64;
    MacTable t(cap, 40, 0);
    std::map<std::uint64_t, ClientId> model;
    std::mt19937_64 rng(12345);
    for (int step = 0; step < 20000; ++step) {
        const std::uint64_t v = rng() % 200;  // 200 unicast MACs: collisions and moves are frequent
        const Mac m = mac(0x020000000000 | v);
        const ClientId c = static_cast<ClientId>(rng() % 4);
        const int what = static_cast<int>(rng() % 10);
        if (what < 7) {
            std::size_t of_c = 0;
            for (auto& [k, owner] : model) of_c += owner == c;
            auto it = model.find(0x020000000000 | v);
            LearnOp want;
            if (it != model.end() && it->second == c) want = LearnOp::None;
            else if (of_c >= 40) want = LearnOp::QuotaExceeded;
            else if (it != model.end()) want = LearnOp::Update;
            else if (model.size() >= cap) want = LearnOp::TableFull;
            else want = LearnOp::Add;
            REQUIRE(t.learn(m, c, step).op == want);
            if (want == LearnOp::Add || want == LearnOp::Update) model[0x020000000000 | v] = c;
        } else if (what < 9) {
            auto it = model.find(0x020000000000 | v);
            REQUIRE(t.lookup(m, step) == (it == model.end() ? kNoClient : it->second));
        } else {
            auto gone = t.remove_client(c);
            std::size_t n = 0;
            for (auto it = model.begin(); it != model.end();)
                if (it->second == c) it = model.erase(it), ++n;
                else ++it;
            REQUIRE(gone.size() == n);
        }
        REQUIRE(t.size() == model.size());
    }
    for (auto& [k, owner] : model) CHECK(t.lookup(mac(k), 0) == owner);
}
