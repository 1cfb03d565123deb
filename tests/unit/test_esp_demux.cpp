// UDP 4500 demultiplexing (RFC 3948 §2): keepalive, IKE behind the non-ESP marker,
// ESP, malformed; and inbound SAs found by SPI, as a runtime would chain them.
#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>

#include "esp_test_support.hpp"
#include "ipsec/esp/outbound_sa.hpp"
#include "ipsec/esp/sa_table.hpp"
#include "ipsec/esp/udp_encap.hpp"

using namespace vpn::esp;
using namespace esp_test;

TEST_CASE("udp 4500: keepalive, IKE, ESP and malformed datagrams") {
    CHECK(classify_udp4500({}).kind == Udp4500Kind::Malformed);
    CHECK(classify_udp4500(kNatKeepalive).kind == Udp4500Kind::Keepalive);
    CHECK(kNatKeepalive.size() == 1);
    CHECK(kNatKeepalive[0] == 0xFF);
    for (std::uint8_t b : {0x00, 0x01, 0xFE}) CHECK(classify_udp4500(Vec{b}).kind == Udp4500Kind::Malformed);
    CHECK(classify_udp4500(Vec{0xFF, 0xFF}).kind == Udp4500Kind::Malformed);  // keepalive is exactly one byte
    CHECK(classify_udp4500(Vec{1, 2, 3}).kind == Udp4500Kind::Malformed);

    // Marker then an IKE header (28 bytes): IKE, body without the marker.
    Vec ike(4 + 28, 0);
    for (std::size_t i = 4; i < ike.size(); ++i) ike[i] = static_cast<std::uint8_t>(i);
    auto c = classify_udp4500(ike);
    CHECK(c.kind == Udp4500Kind::Ike);
    CHECK(c.body.size() == 28);
    CHECK(c.body.data() == ike.data() + 4);
    CHECK(classify_udp4500(vpn::Bytes(ike.data(), 4 + 27)).kind == Udp4500Kind::Malformed);
    CHECK(classify_udp4500(Vec(4, 0)).kind == Udp4500Kind::Malformed);

    // Non-zero first word: ESP, once SPI and sequence number are there.
    Vec esp{0xc0, 0xff, 0xee, 0x01, 0, 0, 0, 1};
    c = classify_udp4500(esp);
    CHECK(c.kind == Udp4500Kind::Esp);
    CHECK(c.spi == 0xc0ffee01u);
    CHECK(c.body.size() == 8);
    CHECK(classify_udp4500(vpn::Bytes(esp.data(), 7)).kind == Udp4500Kind::Malformed);
    CHECK(std::string(kind_name(Udp4500Kind::Ike)) == "ike");
}

TEST_CASE("spi table: install, find, route, unknown SPI, remove") {
    const Suite s{Encr::AesGcm16, 128, Integ::None};
    SpiTable table;
    table.install(std::make_unique<InboundSa>(params(s, 0x1001)));
    table.install(std::make_unique<InboundSa>(params(s, 0x1002)));
    CHECK(table.size() == 2);
    CHECK_THROWS_AS(table.install(std::make_unique<InboundSa>(params(s, 0x1001))), std::invalid_argument);
    CHECK_THROWS_AS(table.install(nullptr), std::invalid_argument);
    REQUIRE(table.find(0x1001) != nullptr);
    CHECK(table.find(0x1001)->spi() == 0x1001);
    CHECK(table.find(0x1003) == nullptr);

    OutboundSa a(params(s, 0x1001)), b(params(s, 0x1002)), stray(params(s, 0x1003));
    const Vec inner = ip_packet(48);
    auto datagram = [&](OutboundSa& o) {
        Vec d(o.sealed_len(48));
        REQUIRE(o.seal(inner, d).status == OutboundSa::Status::Ok);
        return d;
    };
    // A runtime's receive path: classify, then IKE to the IKE side, ESP by SPI.
    std::vector<Vec> wire{datagram(a), Vec(kNatKeepalive.begin(), kNatKeepalive.end()), datagram(b),
                          datagram(stray), Vec{1, 2}, datagram(a)};
    int delivered = 0, keepalives = 0;
    for (Vec& d : wire) {
        auto c = classify_udp4500(d);
        if (c.kind == Udp4500Kind::Keepalive) {
            ++keepalives;
        } else if (c.kind == Udp4500Kind::Malformed) {
            table.drops().add(Drop::Malformed);
        } else if (c.kind == Udp4500Kind::Esp) {
            auto o = table.open(d);
            if (o.ok) {
                ++delivered;
                CHECK(hex(o.inner) == hex(inner));
            }
        }
    }
    CHECK(delivered == 3);
    CHECK(keepalives == 1);
    CHECK(table.drops().get(Drop::UnknownSpi) == 1);
    CHECK(table.drops().get(Drop::Malformed) == 1);
    CHECK(table.find(0x1001)->packets() == 2);
    CHECK(table.find(0x1002)->packets() == 1);
    Vec shorty{0, 0, 0x10};
    CHECK(table.open(shorty).reason == Drop::Truncated);

    auto gone = table.remove(0x1001);
    REQUIRE(gone);
    CHECK(gone->packets() == 2);
    CHECK(table.find(0x1001) == nullptr);
    CHECK_FALSE(table.remove(0x1001));
    Vec d = datagram(a);
    CHECK(table.open(d).reason == Drop::UnknownSpi);
}
