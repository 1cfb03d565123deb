// EspLink: two manually keyed peers back to back under a fake clock -- inner
// packets cross both ways over raw ESP and over UDP 4500, NAT keepalives are sent
// when idle and swallowed when received, and forged, replayed or foreign datagrams
// are dropped and counted under OpenVPN's SIGUSR2 names without disturbing traffic.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "esp_test_support.hpp"
#include "p2p/esp_link.hpp"

using namespace vpn;
using namespace vpn::p2p;
using esp_test::Vec;

namespace {

esp::SaParams params(std::uint32_t spi, std::uint8_t key_byte, std::uint32_t window) {
    esp::Suite suite{esp::Encr::AesGcm16, 256, esp::Integ::None};
    Vec key(esp::encr_key_len(suite), key_byte);
    esp::SaParams p;
    p.spi = spi;
    p.keys = esp::make_sa_keys(suite, key, {});
    p.replay_window = window;
    return p;
}

// A's outbound SA is B's inbound one and the other way round.
std::unique_ptr<EspLink> make_link(bool a_side, bool udp, std::uint32_t window = 64) {
    auto ab = params(0x1001, 0x11, window), ba = params(0x1002, 0x22, window);
    std::vector<std::unique_ptr<esp::InboundSa>> in;
    in.push_back(std::make_unique<esp::InboundSa>(a_side ? ba : ab));
    auto out = std::make_unique<esp::OutboundSa>(a_side ? ab : ba);
    EspLinkConfig cfg;
    cfg.udp_encap = udp;
    cfg.nat_keepalive = 20;
    return std::make_unique<EspLink>(cfg, ipsec::manual::ManualSad(std::move(out), std::move(in)),
                                     Now{100, 1000, 100000});
}

struct Wire {
    Vec buf = Vec(4096), out = Vec(4096), scratch = Vec(8192), open = Vec(4096), open_scratch = Vec(8192);
};

// Seal `inner` on `from` the way TunnelLoop does: the packet placed at payload_offset().
Vec send(EspLink& from, const Vec& inner, Wire& w, Now now) {
    std::size_t off = from.payload_offset();
    std::memcpy(w.out.data() + off, inner.data(), inner.size());
    std::size_t n = from.encapsulate(w.out, off, inner.size(), w.out, w.scratch, now);
    return Vec(w.out.begin(), w.out.begin() + static_cast<long>(n));
}

LinkSession::Inbound receive(EspLink& to, const Vec& datagram, Wire& w, Now now) {
    return to.decapsulate(datagram, w.open, w.open_scratch, now);
}

std::uint64_t drops(EspLink& l, ovpn::Drop d) { return l.stats().codec_drops[static_cast<std::size_t>(d)]; }

}  // namespace

TEST_CASE("esp link: inner packets cross both ways, raw ESP and UDP 4500") {
    for (bool udp : {false, true}) {
        CAPTURE(udp);
        auto a = make_link(true, udp), b = make_link(false, udp);
        Wire w;
        Now now{100, 1000, 100000};
        for (std::size_t len : {20u, 21u, 84u, 1400u}) {
            Vec inner = esp_test::ip_packet(len, 4, static_cast<std::uint8_t>(len));
            Vec d = send(*a, inner, w, now);
            REQUIRE(d.size() > inner.size());
            CHECK(vpn::load_be32(d.data()) == 0x1001);  // an ESP packet as it is, no marker
            auto in = receive(*b, d, w, now);
            REQUIRE(in.kind == LinkSession::Kind::ToTun);
            CHECK(Vec(in.packet.begin(), in.packet.end()) == inner);

            Vec back = esp_test::ip_packet(len, len >= 40 ? 6 : 4, 0x5a);
            auto in2 = receive(*a, send(*b, back, w, now), w, now);
            REQUIRE(in2.kind == LinkSession::Kind::ToTun);
            CHECK(Vec(in2.packet.begin(), in2.packet.end()) == back);
        }
        CHECK(a->stats().total_drops() == 0);
        CHECK(b->stats().total_drops() == 0);
    }
}

TEST_CASE("esp link: forged, replayed, foreign and garbage datagrams are counted drops") {
    auto a = make_link(true, true), b = make_link(false, true);
    Wire w;
    Now now{100, 1000, 100000};
    Vec inner = esp_test::ip_packet(100);
    Vec d = send(*a, inner, w, now);

    Vec forged = d;
    forged[forged.size() - 1] ^= 1;
    CHECK(receive(*b, forged, w, now).kind == LinkSession::Kind::Dropped);
    CHECK(drops(*b, ovpn::Drop::BadHmac) == 1);

    CHECK(receive(*b, d, w, now).kind == LinkSession::Kind::ToTun);
    CHECK(receive(*b, d, w, now).kind == LinkSession::Kind::Dropped);  // replayed
    CHECK(drops(*b, ovpn::Drop::Replay) == 1);

    Vec other = d;
    vpn::store_be32(other.data(), 0x7777);  // an SPI nobody installed
    CHECK(receive(*b, other, w, now).kind == LinkSession::Kind::Dropped);
    CHECK(drops(*b, ovpn::Drop::NoKey) == 1);

    Vec ike(40, 0);  // non-ESP marker + something: no IKE runs with manual keys
    CHECK(receive(*b, ike, w, now).kind == LinkSession::Kind::Dropped);
    CHECK(receive(*b, Vec{1, 2}, w, now).kind == LinkSession::Kind::Dropped);
    for (std::size_t cut = 0; cut < d.size(); ++cut)
        CHECK(receive(*b, Vec(d.begin(), d.begin() + static_cast<long>(cut)), w, now).kind ==
              LinkSession::Kind::Dropped);

    // None of it costs the tunnel anything.
    Vec next = send(*a, inner, w, now);
    auto in = receive(*b, next, w, now);
    REQUIRE(in.kind == LinkSession::Kind::ToTun);
    CHECK(Vec(in.packet.begin(), in.packet.end()) == inner);
}

TEST_CASE("esp link: manual SAs without a replay window accept a replay (RFC 4303 §5)") {
    auto a = make_link(true, false, 0), b = make_link(false, false, 0);
    Wire w;
    Now now{100, 1000, 100000};
    Vec d = send(*a, esp_test::ip_packet(60), w, now);
    CHECK(receive(*b, d, w, now).kind == LinkSession::Kind::ToTun);
    CHECK(receive(*b, d, w, now).kind == LinkSession::Kind::ToTun);
}

TEST_CASE("esp link: NAT keepalives over UDP only when idle; received ones are swallowed") {
    auto a = make_link(true, true), raw = make_link(true, false), b = make_link(false, true);
    Wire w;
    Now now{100, 1000, 100000};
    a->on_timer(Now{110, 1010, 110000});
    CHECK(a->next_datagram(w.out, w.scratch, Now{110, 1010, 110000}) == 0);  // not idle long enough

    send(*a, esp_test::ip_packet(40), w, Now{115, 1015, 115000});  // traffic resets the idle time
    a->on_timer(Now{130, 1030, 130000});
    CHECK(a->next_datagram(w.out, w.scratch, Now{130, 1030, 130000}) == 0);

    a->on_timer(Now{135, 1035, 135000});
    REQUIRE(a->next_datagram(w.out, w.scratch, Now{135, 1035, 135000}) == 1);
    CHECK(w.out[0] == 0xFF);
    CHECK(a->next_datagram(w.out, w.scratch, Now{135, 1035, 135000}) == 0);  // one per interval

    raw->on_timer(Now{500, 1400, 500000});
    CHECK(raw->next_datagram(w.out, w.scratch, Now{500, 1400, 500000}) == 0);  // no NAT to keep open

    auto in = receive(*b, Vec{0xFF}, w, now);
    CHECK(in.kind == LinkSession::Kind::Consumed);
    CHECK_FALSE(in.proves_peer);  // anyone can send 0xFF: it must not move the peer
    CHECK(b->stats().total_drops() == 0);
}
