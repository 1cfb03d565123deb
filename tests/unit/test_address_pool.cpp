// server/address_pool: vectors from stock OpenVPN 2.6.14 (see the comments).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "server/address_pool.hpp"

using namespace vpn::server;

namespace {
std::uint32_t ip(const char* s) { return *parse_ipv4_text(s); }
}  // namespace

TEST_CASE("net30 pool of server 10.8.0.0/24 hands out /30 blocks like 2.6") {
    // stock: "ifconfig_pool_start = 10.8.0.4", "_end = 10.8.0.251",
    // "IFCONFIG POOL IPv4: base=10.8.0.4 size=62"; alice got "ifconfig 10.8.0.6 10.8.0.5",
    // bob "ifconfig 10.8.0.10 10.8.0.9"; ipp file "alice,10.8.0.4,\nbob,10.8.0.8,\n".
    AddressPool pool({PoolKind::Net30, ip("10.8.0.4"), ip("10.8.0.251")});
    CHECK(pool.size() == 62);
    auto a = pool.acquire("alice");
    auto b = pool.acquire("bob");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(ipv4_text(a->address) == "10.8.0.6");
    CHECK(ipv4_text(a->peer) == "10.8.0.5");
    CHECK(ipv4_text(b->address) == "10.8.0.10");
    CHECK(ipv4_text(b->peer) == "10.8.0.9");
    CHECK(pool.persist_text() == "alice,10.8.0.4,\nbob,10.8.0.8,\n");
}

TEST_CASE("pool sizes match 2.6 for p2p, subnet and /16") {
    CHECK(AddressPool({PoolKind::Individual, ip("10.8.0.4"), ip("10.8.0.251")}).size() == 248);
    CHECK(AddressPool({PoolKind::Individual, ip("10.8.0.2"), ip("10.8.0.254")}).size() == 253);
    CHECK(AddressPool({PoolKind::Net30, ip("10.9.0.4"), ip("10.9.255.251")}).size() == 16382);
    CHECK(AddressPool({PoolKind::Individual, ip("10.9.0.2"), ip("10.9.255.254")}).size() == 65533);
    // stock /29 net30: "IPv4 pool size is too small (1), must be at least 2"
    CHECK_THROWS(AddressPool({PoolKind::Net30, ip("10.8.0.4"), ip("10.8.0.7")}));
    CHECK_THROWS(AddressPool({PoolKind::Individual, ip("10.8.0.9"), ip("10.8.0.8")}));
    CHECK_THROWS(AddressPool({PoolKind::Individual, ip("10.0.0.0"), ip("10.1.0.0")}));
}

TEST_CASE("subnet pool: single addresses, same CN gets its address back, full pool") {
    PoolConfig cfg{PoolKind::Individual, ip("10.8.0.2"), ip("10.8.0.4")};
    AddressPool pool(cfg);
    auto a = pool.acquire("alice");
    auto b = pool.acquire("bob");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(ipv4_text(a->address) == "10.8.0.2");
    CHECK(a->peer == 0);
    CHECK(ipv4_text(b->address) == "10.8.0.3");
    pool.release(*a);
    pool.release(*a);  // twice: harmless
    auto c = pool.acquire("carol");  // .4: never used, released "earliest"
    REQUIRE(c);
    CHECK(ipv4_text(c->address) == "10.8.0.4");
    auto d = pool.acquire("dave");  // alice's slot is free: another CN may take it
    REQUIRE(d);
    CHECK(ipv4_text(d->address) == "10.8.0.2");
    CHECK_FALSE(pool.acquire("erin"));  // now full
}

TEST_CASE("full pool returns nullopt; a released slot is reused") {
    AddressPool pool({PoolKind::Individual, ip("10.8.0.2"), ip("10.8.0.3")});
    auto a = pool.acquire("alice");
    auto b = pool.acquire("bob");
    REQUIRE(a);
    REQUIRE(b);
    CHECK_FALSE(pool.acquire("carol"));
    CHECK(pool.in_use() == 2);
    pool.release(*b);
    auto c = pool.acquire("carol");
    REQUIRE(c);
    CHECK(c->address == b->address);
    pool.release(*a);
    auto a2 = pool.acquire("alice");
    REQUIRE(a2);
    CHECK(a2->address == a->address);
    pool.release(Lease{99, 0, 0});  // out of range: ignored
    pool.release(Lease{-1, 0, 0});
}

TEST_CASE("reconnecting CN prefers its old slot over the least recently released") {
    AddressPool pool({PoolKind::Individual, ip("10.8.0.2"), ip("10.8.0.10")});
    auto a = pool.acquire("alice");
    auto b = pool.acquire("bob");
    pool.release(*a);
    pool.release(*b);
    auto b2 = pool.acquire("bob");
    REQUIRE(b2);
    CHECK(b2->address == b->address);
}

TEST_CASE("duplicate-cn: names ignored, first free slot") {
    AddressPool pool({PoolKind::Individual, ip("10.8.0.2"), ip("10.8.0.10"), true});
    auto a1 = pool.acquire("alice");
    auto a2 = pool.acquire("alice");
    REQUIRE(a1);
    REQUIRE(a2);
    CHECK(a1->address != a2->address);
    CHECK(pool.persist_text().empty());
}

TEST_CASE("server address inside an individual pool is never handed out") {
    PoolConfig cfg{PoolKind::Individual, ip("10.8.0.1"), ip("10.8.0.3")};
    cfg.server_address = ip("10.8.0.1");
    AddressPool pool(cfg);
    auto a = pool.acquire("a");
    auto b = pool.acquire("b");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(ipv4_text(a->address) == "10.8.0.2");
    CHECK(ipv4_text(b->address) == "10.8.0.3");
    CHECK_FALSE(pool.acquire("c"));
}

TEST_CASE("persist file round trip gives the same addresses after a restart") {
    AddressPool first({PoolKind::Net30, ip("10.8.0.4"), ip("10.8.0.251")});
    first.acquire("x");
    first.acquire("alice");
    first.acquire("bob");
    const std::string text = first.persist_text();
    AddressPool second({PoolKind::Net30, ip("10.8.0.4"), ip("10.8.0.251")});
    std::vector<std::string> warnings;
    second.load_persist(text, [&](const std::string& w) { warnings.push_back(w); });
    CHECK(warnings.empty());
    auto b = second.acquire("bob");
    auto n = second.acquire("new");
    REQUIRE(b);
    REQUIRE(n);
    CHECK(ipv4_text(b->address) == "10.8.0.14");
    CHECK(ipv4_text(n->address) == "10.8.0.18");  // named slots were released later
    CHECK(second.persist_text() == "x,10.8.0.4,\nalice,10.8.0.8,\nbob,10.8.0.12,\nnew,10.8.0.16,\n");
}

TEST_CASE("fixed persist entries (seconds 0) are kept for their CN") {
    PoolConfig cfg{PoolKind::Individual, ip("10.8.0.2"), ip("10.8.0.3")};
    cfg.persist_fixed = true;
    AddressPool pool(cfg);
    pool.load_persist("alice,10.8.0.2,\n", nullptr);
    auto b = pool.acquire("bob");
    REQUIRE(b);
    CHECK(ipv4_text(b->address) == "10.8.0.3");
    CHECK_FALSE(pool.acquire("carol"));
    auto a = pool.acquire("alice");
    REQUIRE(a);
    CHECK(ipv4_text(a->address) == "10.8.0.2");
}

TEST_CASE("hostile persist file: bad lines warned and skipped, never a crash") {
    AddressPool pool({PoolKind::Individual, ip("10.8.0.2"), ip("10.8.0.254")});
    std::vector<std::string> w;
    std::string text = "# comment\n;other\n\nnocomma\n,10.8.0.5,\nbad,10.8.0.256,\nfar,192.168.1.1,\n"
                       "lead,010.8.0.5,\nv6only,,fd00::5\nok,10.8.0.9\r\n" + std::string(500, 'A') + ",10.8.0.7,\n"
                       "trail,10.8.0.20,extra,junk\n";
    text += std::string("nul\0x,10.8.0.30,\n", 18);  // NUL inside a name
    text.push_back('\0');  // a last line with no comma
    pool.load_persist(text, [&](const std::string& m) { w.push_back(m); });
    CHECK(w.size() == 7);
    const std::string out = pool.persist_text();
    CHECK(out.find("ok,10.8.0.9,\n") != std::string::npos);
    CHECK(out.find(std::string(127, 'A') + ",10.8.0.7,\n") != std::string::npos);
    CHECK(out.find("trail,10.8.0.20,\n") != std::string::npos);
    auto ok = pool.acquire("ok");
    REQUIRE(ok);
    CHECK(ipv4_text(ok->address) == "10.8.0.9");
}
