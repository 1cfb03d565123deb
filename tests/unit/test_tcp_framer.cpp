#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/net/tcp_framer.hpp"

using vpn::net::TcpFramer;

namespace {
void feed(TcpFramer& f, const std::vector<std::uint8_t>& bytes) {
    auto space = f.write_space();
    REQUIRE(space.size() >= bytes.size());
    std::memcpy(space.data(), bytes.data(), bytes.size());
    f.commit(bytes.size());
}
}  // namespace

TEST_CASE("tcp framer: several packets in one read, one split across reads") {
    TcpFramer f(100);
    feed(f, {0, 2, 'a', 'b', 0, 1, 'c', 0, 3, 'x'});
    auto p = f.next();
    REQUIRE(p.status == TcpFramer::Status::Packet);
    CHECK(std::string(p.packet.begin(), p.packet.end()) == "ab");
    p = f.next();
    REQUIRE(p.status == TcpFramer::Status::Packet);
    CHECK(std::string(p.packet.begin(), p.packet.end()) == "c");
    CHECK(f.next().status == TcpFramer::Status::NeedMore);
    feed(f, {'y', 'z'});
    p = f.next();
    REQUIRE(p.status == TcpFramer::Status::Packet);
    CHECK(std::string(p.packet.begin(), p.packet.end()) == "xyz");
    CHECK(f.next().status == TcpFramer::Status::NeedMore);
}

TEST_CASE("tcp framer: byte-at-a-time delivery") {
    TcpFramer f(100);
    std::vector<std::uint8_t> stream = {0, 3, 1, 2, 3, 0, 1, 9};
    std::vector<std::vector<std::uint8_t>> got;
    for (auto b : stream) {
        feed(f, {b});
        for (auto p = f.next(); p.status == TcpFramer::Status::Packet; p = f.next())
            got.emplace_back(p.packet.begin(), p.packet.end());
    }
    REQUIRE(got.size() == 2);
    CHECK(got[0] == std::vector<std::uint8_t>{1, 2, 3});
    CHECK(got[1] == std::vector<std::uint8_t>{9});
}

TEST_CASE("tcp framer: zero and oversized lengths are fatal") {
    TcpFramer f(10);
    feed(f, {0, 0});
    CHECK(f.next().status == TcpFramer::Status::Error);
    CHECK(f.failed());
    feed(f, {0, 1, 5});
    CHECK(f.next().status == TcpFramer::Status::Error);  // stays failed

    TcpFramer g(10);
    feed(g, {0, 11});
    CHECK(g.next().status == TcpFramer::Status::Error);
    g.reset();
    feed(g, {0, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(g.next().status == TcpFramer::Status::Packet);
}

TEST_CASE("tcp framer: compaction keeps a maximal packet receivable forever") {
    TcpFramer f(1000);
    std::vector<std::uint8_t> pkt(1002, 0x42);
    pkt[0] = 0x03;
    pkt[1] = 0xE8;  // 1000
    for (int round = 0; round < 50; ++round) {
        // Deliver in two halves so the buffer never starts aligned.
        std::vector<std::uint8_t> a(pkt.begin(), pkt.begin() + 333), b(pkt.begin() + 333, pkt.end());
        feed(f, a);
        CHECK(f.next().status == TcpFramer::Status::NeedMore);
        feed(f, b);
        auto p = f.next();
        REQUIRE(p.status == TcpFramer::Status::Packet);
        CHECK(p.packet.size() == 1000);
    }
}
