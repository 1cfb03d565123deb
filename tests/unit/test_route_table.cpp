// The server's virtual routing table against OpenVPN 2.6 multi.c / mroute.c rules.
#include <doctest/doctest.h>

#include <cstdint>

#include "server/route_table.hpp"

using namespace vpn::server;
using vpn::tun::Ipv4;

namespace {
Ipv4 ip(const char* s) { return *vpn::tun::parse_ipv4(s); }
Route addr(const char* s) { return Route{RouteKind::Address, ip(s), 32}; }
Route iroute(const char* s, int len) { return Route{RouteKind::Iroute, ip(s), len}; }
}  // namespace

TEST_CASE("route table: addresses and iroutes, longest prefix wins") {
    RouteTable t(64, ip("10.8.0.1"));
    CHECK(t.learn(addr("10.8.0.2"), 1).op == LearnOp::Add);
    CHECK(t.learn(addr("10.8.0.3"), 2).op == LearnOp::Add);
    CHECK(t.learn(iroute("192.168.0.0", 16), 1).op == LearnOp::Add);
    CHECK(t.learn(iroute("192.168.5.0", 24), 2).op == LearnOp::Add);
    CHECK(t.learn(iroute("192.168.5.7", 32), 1).op == LearnOp::Add);
    CHECK(t.lookup(ip("10.8.0.2")) == 1);
    CHECK(t.lookup(ip("10.8.0.3")) == 2);
    CHECK(t.lookup(ip("10.8.0.4")) == kNoClient);
    CHECK(t.lookup(ip("10.8.0.1")) == kNoClient);
    CHECK(t.lookup(ip("192.168.1.1")) == 1);
    CHECK(t.lookup(ip("192.168.5.1")) == 2);
    CHECK(t.lookup(ip("192.168.5.7")) == 1);
    CHECK(t.lookup(ip("192.169.0.1")) == kNoClient);
    CHECK(t.size() == 5);
    CHECK(t.routes_of(1) == 3);
}

TEST_CASE("route table: learn ops mirror multi_learn_addr") {
    RouteTable t(8, ip("10.8.0.1"));
    CHECK(t.preview(addr("10.8.0.2"), 1).op == LearnOp::Add);
    CHECK(t.size() == 0);  // preview changes nothing
    CHECK(t.learn(addr("10.8.0.2"), 1).op == LearnOp::Add);
    CHECK(t.learn(addr("10.8.0.2"), 1).op == LearnOp::None);
    auto up = t.learn(addr("10.8.0.2"), 2);
    CHECK(up.op == LearnOp::Update);
    CHECK(up.previous == 1);
    CHECK(t.lookup(ip("10.8.0.2")) == 2);
    CHECK(t.routes_of(1) == 0);
    // mroute_learnable_address and the server's own address.
    CHECK(t.learn(addr("10.8.0.1"), 3).op == LearnOp::NotLearnable);
    CHECK(t.learn(addr("0.0.0.0"), 3).op == LearnOp::NotLearnable);
    CHECK(t.learn(addr("255.255.255.255"), 3).op == LearnOp::NotLearnable);
    CHECK(t.learn(iroute("0.0.0.0", 8), 3).op == LearnOp::NotLearnable);
    CHECK(t.learn(iroute("0.0.0.0", 0), 3).op == LearnOp::Add);  // a default route behind a client
    CHECK(t.lookup(ip("8.8.8.8")) == 3);
    CHECK(t.learn(addr("10.8.0.9"), kNoClient).op == LearnOp::NotLearnable);
    // Host bits are cleared.
    CHECK(t.learn(iroute("172.16.3.9", 16), 4).op == LearnOp::Add);
    CHECK(t.lookup(ip("172.16.200.1")) == 4);
    CHECK(format_route(addr("10.8.0.2")) == "10.8.0.2");
    CHECK(format_route(iroute("172.16.0.0", 16)) == "172.16.0.0/16");
    CHECK(format_route(iroute("1.2.3.4", 32)) == "1.2.3.4/32");
}

TEST_CASE("route table: capacity and per-client quota") {
    RouteTable t(3, Ipv4{0}, 2);
    CHECK(t.learn(addr("10.0.0.1"), 1).op == LearnOp::Add);
    CHECK(t.learn(addr("10.0.0.2"), 1).op == LearnOp::Add);
    CHECK(t.learn(addr("10.0.0.3"), 1).op == LearnOp::QuotaExceeded);
    CHECK(t.learn(addr("10.0.0.3"), 2).op == LearnOp::Add);
    CHECK(t.learn(addr("10.0.0.4"), 2).op == LearnOp::TableFull);
    CHECK(t.learn(addr("10.0.0.1"), 2).op == LearnOp::Update);  // replacing needs no room
    CHECK(t.size() == 3);
}

TEST_CASE("route table: removal of a client and forget") {
    RouteTable t(64);
    t.learn(addr("10.8.0.2"), 1);
    t.learn(iroute("192.168.0.0", 16), 1);
    t.learn(iroute("192.168.5.0", 24), 2);
    t.learn(addr("10.8.0.3"), 2);
    auto gone = t.remove_client(1);
    CHECK(gone.size() == 2);
    CHECK(t.lookup(ip("10.8.0.2")) == kNoClient);
    CHECK(t.lookup(ip("192.168.1.1")) == kNoClient);
    CHECK(t.lookup(ip("192.168.5.1")) == 2);
    CHECK(t.remove_client(1).empty());
    CHECK_FALSE(t.forget(addr("10.8.0.3"), 1));
    CHECK(t.forget(addr("10.8.0.3"), 2));
    CHECK(t.lookup(ip("10.8.0.3")) == kNoClient);
    CHECK(t.size() == 1);
}

TEST_CASE("route table: source check as 2.6 (lookup(src) must be the sender)") {
    RouteTable t(64);
    t.learn(addr("10.8.0.2"), 1);
    t.learn(iroute("192.168.0.0", 16), 1);
    t.learn(iroute("192.168.5.0", 24), 2);
    t.learn(addr("10.8.0.3"), 2);
    CHECK(t.source_allowed(1, ip("10.8.0.2")));
    CHECK(t.source_allowed(1, ip("192.168.1.1")));
    CHECK_FALSE(t.source_allowed(1, ip("192.168.5.1")));  // the longer iroute is client 2's
    CHECK(t.source_allowed(2, ip("192.168.5.1")));
    CHECK_FALSE(t.source_allowed(1, ip("10.8.0.3")));
    CHECK_FALSE(t.source_allowed(1, ip("8.8.8.8")));
    CHECK_FALSE(t.source_allowed(kNoClient, ip("8.8.8.8")));
}

TEST_CASE("route table: 1000 clients, churn, 10^5 lookups") {
    constexpr std::uint32_t kClients = 1000;
    RouteTable t(3 * kClients);
    auto vaddr = [](std::uint32_t c) { return Ipv4::from_host(0x0a080000u + 2 + c); };  // 10.8.x.y
    auto net = [](std::uint32_t c) { return Ipv4::from_host(0xac100000u + (c << 8)); };  // 172.16.0.0 + c*256
    for (std::uint32_t c = 0; c < kClients; ++c) {
        REQUIRE(t.learn(Route{RouteKind::Address, vaddr(c), 32}, c).op == LearnOp::Add);
        REQUIRE(t.learn(Route{RouteKind::Iroute, net(c), 24}, c).op == LearnOp::Add);
    }
    // Every third client leaves; a wide iroute covers everything else.
    for (std::uint32_t c = 0; c < kClients; c += 3) REQUIRE(t.remove_client(c).size() == 2);
    REQUIRE(t.learn(Route{RouteKind::Iroute, Ipv4::from_host(0xac100000u), 12}, 7777).op == LearnOp::Add);
    std::uint64_t x = 12345;
    std::size_t hits = 0;
    for (int n = 0; n < 100000; ++n) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const std::uint32_t c = static_cast<std::uint32_t>(x >> 33) % kClients;
        const bool gone = c % 3 == 0;
        if ((x >> 20) & 1) {
            ClientId got = t.lookup(vaddr(c));
            REQUIRE(got == (gone ? kNoClient : c));
        } else {
            Ipv4 a = Ipv4::from_host(net(c).host() + static_cast<std::uint32_t>((x >> 40) & 0xff));
            REQUIRE(t.lookup(a) == (gone ? 7777u : c));
            if (!gone) REQUIRE(t.source_allowed(c, a));
        }
        ++hits;
    }
    CHECK(hits == 100000);
    CHECK(t.size() == 2 * (kClients - (kClients + 2) / 3) + 1);
}
