// EspLink with setkey SAs and policies (ipsec/manual/manual_sad.hpp): two gateways
// back to back under a fake clock.  Two subnets ride two SA pairs between the same
// gateways (unique:N binds each subnet to its pair, each with its own algorithm);
// discard / none / unselected packets and a decrypted packet on the wrong SA are
// counted drops; -ls/-lh and -bs/-bh lifetimes end SAs once, outbound and inbound;
// and a static key's used-up sequence space is counted once, as no-send-key.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "esp_test_support.hpp"
#include "ipsec/manual/manual_sad.hpp"
#include "ipsec/manual/setkey.hpp"
#include "p2p/esp_link.hpp"
#include "spd_test_support.hpp"

using namespace vpn;
using namespace vpn::p2p;
using ipsec::manual::LifeStage;
using ipsec::manual::ManualSad;
using spd_test::ip;
using spd_test::ipv4;
using spd_test::kIcmp;
using spd_test::kTcp;
using spd_test::kUdp;
using Vec = std::vector<std::uint8_t>;

namespace {

constexpr std::int64_t kStart = 100;
Now at(std::int64_t mono) { return Now{mono, 1000 + mono, mono * 1000}; }

// Both gateways load the same SAs: pair 1 (AES-CBC + HMAC-SHA256, -u 1) for
// 10.1/24 <-> 10.2/24, pair 2 (AES-GCM, -u 2) for 10.1/24 <-> 10.3/24.
// A = 192.168.77.1 has 10.1/24 behind it, B = 192.168.77.2 the other two.
std::string sas(const std::string& pair1_ext = "", const std::string& pair2_ext = "") {
    const std::string cbc = " -E aes-cbc 0x" + std::string(32, '1') + " -A hmac-sha256 0x" + std::string(64, '2');
    const std::string gcm = " -E aes-gcm-16 0x" + std::string(40, '3');
    return "flush;\nspdflush;\n"
           "add 192.168.77.1 192.168.77.2 esp 0x1001 -m tunnel -u 1 " + pair1_ext + cbc + ";\n" +
           "add 192.168.77.2 192.168.77.1 esp 0x1002 -m tunnel -u 1 " + pair1_ext + cbc + ";\n" +
           "add 192.168.77.1 192.168.77.2 esp 0x2001 -m tunnel -u 2 " + pair2_ext + gcm + ";\n" +
           "add 192.168.77.2 192.168.77.1 esp 0x2002 -m tunnel -u 2 " + pair2_ext + gcm + ";\n";
}

std::string policy(const std::string& src, const std::string& dst, const std::string& dir, int pair) {
    // The packet flows src -> dst whichever host the policy is for: from A's subnet
    // it rides A -> B.
    const std::string tunnel = src.starts_with("10.1.") ? "192.168.77.1-192.168.77.2" : "192.168.77.2-192.168.77.1";
    return "spdadd " + src + " " + dst + " any -P " + dir + " ipsec esp/tunnel/" + tunnel + "/unique:" +
           std::to_string(pair) + ";\n";
}

std::string a_policies() {
    return policy("10.1.0.0/24", "10.2.0.0/24", "out", 1) + policy("10.1.0.0/24", "10.3.0.0/24", "out", 2) +
           policy("10.2.0.0/24", "10.1.0.0/24", "in", 1) + policy("10.3.0.0/24", "10.1.0.0/24", "in", 2);
}
std::string b_policies() {
    return policy("10.2.0.0/24", "10.1.0.0/24", "out", 1) + policy("10.3.0.0/24", "10.1.0.0/24", "out", 2) +
           policy("10.1.0.0/24", "10.2.0.0/24", "in", 1) + policy("10.1.0.0/24", "10.3.0.0/24", "in", 2);
}

std::unique_ptr<EspLink> link(const std::string& text) {
    return std::make_unique<EspLink>(EspLinkConfig{}, ManualSad(ipsec::manual::parse_setkey(text, "gw.conf"), kStart),
                                     at(kStart));
}

struct Wire {
    Vec out = Vec(4096), scratch = Vec(8192), open = Vec(4096), open_scratch = Vec(8192);
};

// Seals `inner` the way TunnelLoop does; empty when the link refuses it.
Vec send(EspLink& from, const Vec& inner, Wire& w, Now now) {
    const std::size_t off = from.payload_offset();
    std::memcpy(w.out.data() + off, inner.data(), inner.size());
    const std::size_t n = from.encapsulate(w.out, off, inner.size(), w.out, w.scratch, now);
    return Vec(w.out.begin(), w.out.begin() + static_cast<long>(n));
}

LinkSession::Inbound receive(EspLink& to, const Vec& datagram, Wire& w, Now now) {
    return to.decapsulate(datagram, w.open, w.open_scratch, now);
}

// Sends `inner` from one link to the other; true if it arrives unchanged.
bool crosses(EspLink& from, EspLink& to, const Vec& inner, Wire& w, Now now, std::uint32_t want_spi) {
    const Vec d = send(from, inner, w, now);
    if (d.empty() || load_be32(d.data()) != want_spi) return false;
    const auto in = receive(to, d, w, now);
    return in.kind == LinkSession::Kind::ToTun && Vec(in.packet.begin(), in.packet.end()) == inner;
}

std::uint64_t drops(EspLink& l, LinkDrop d) { return l.stats().link_drops[static_cast<std::size_t>(d)]; }
std::uint64_t drops(EspLink& l, ovpn::Drop d) { return l.stats().codec_drops[static_cast<std::size_t>(d)]; }

}  // namespace

TEST_CASE("setkey link: two subnets over two SA pairs, each subnet on its own SAs, both ways") {
    auto a = link(sas() + a_policies()), b = link(sas() + b_policies());
    CHECK(a->sad().outbound_count() == 2);
    CHECK(a->sad().inbound_count() == 2);
    CHECK(a->payload_offset() == 8 + 16);  // the CBC SA's IV is the widest head
    Wire w;
    for (std::size_t len : {28u, 61u, 700u, 1400u}) {
        CAPTURE(len);
        CHECK(crosses(*a, *b, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kTcp, 40000, 22, len), w, at(kStart), 0x1001));
        CHECK(crosses(*a, *b, ipv4(ip(10, 1, 0, 5), ip(10, 3, 0, 9), kUdp, 5000, 53, len), w, at(kStart), 0x2001));
        CHECK(crosses(*b, *a, ipv4(ip(10, 2, 0, 7), ip(10, 1, 0, 5), kTcp, 22, 40000, len), w, at(kStart), 0x1002));
        CHECK(crosses(*b, *a, ipv4(ip(10, 3, 0, 9), ip(10, 1, 0, 5), kIcmp, 0, 0, len), w, at(kStart), 0x2002));
    }
    CHECK(a->stats().total_drops() == 0);
    CHECK(b->stats().total_drops() == 0);
}

TEST_CASE("setkey link: discard, none, unselected and wrong-SA packets are counted drops") {
    const std::string extra = "spdadd 10.1.0.0/24 10.2.0.0/24 icmp -P out discard;\n"
                              "spdadd 10.1.0.0/24 10.2.0.0/24[80] tcp -P out none;\n";
    auto a = link(sas() + extra + a_policies()), b = link(sas() + b_policies());
    Wire w;
    const Now now = at(kStart);
    CHECK(send(*a, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kIcmp), w, now).empty());
    CHECK(drops(*a, LinkDrop::SpdDiscard) == 1);
    CHECK(send(*a, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kTcp, 40000, 80), w, now).empty());
    CHECK(drops(*a, LinkDrop::SpdClear) == 1);
    CHECK(send(*a, ipv4(ip(10, 1, 0, 5), ip(10, 9, 0, 7), kIcmp), w, now).empty());
    CHECK(drops(*a, LinkDrop::SpdNoPolicy) == 1);
    Vec v6 = esp_test::ip_packet(80, 6);
    CHECK(send(*a, v6, w, now).empty());  // IPv6: no setkey selector matches
    CHECK(drops(*a, LinkDrop::SpdNoPolicy) == 2);
    CHECK(a->counts_send_drops());  // the loop must not count these again as no-send-key
    CHECK(drops(*a, LinkDrop::NoKey) == 0);
    // The rest of 10.1 -> 10.2 still goes.
    CHECK(crosses(*a, *b, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kTcp, 40000, 22), w, now, 0x1001));

    // A peer that puts 10.1 -> 10.3 (pair 2's subnets) on pair 1's SA: authentic, but
    // no `in` policy of SA 0x1001 selects it at B.  Same for a subnet B has no policy for.
    auto evil = link(sas() + policy("10.1.0.0/24", "10.3.0.0/24", "out", 1) +
                     "spdadd 10.9.0.0/24 10.2.0.0/24 any -P out ipsec "
                     "esp/tunnel/192.168.77.1-192.168.77.2/unique:1;\n");
    for (auto inner : {ipv4(ip(10, 1, 0, 5), ip(10, 3, 0, 9), kUdp, 1, 2), ipv4(ip(10, 9, 0, 1), ip(10, 2, 0, 7), kIcmp)}) {
        const Vec d = send(*evil, inner, w, now);
        REQUIRE(load_be32(d.data()) == 0x1001);
        CHECK(receive(*b, d, w, now).kind == LinkSession::Kind::Dropped);
    }
    CHECK(drops(*b, LinkDrop::SpdInMismatch) == 2);
    CHECK(drops(*b, ovpn::Drop::BadHmac) == 0);  // it was authentic: the policy refused it
    // ...and B still takes what its policies allow from the same SA.
    CHECK(crosses(*a, *b, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kUdp, 1, 2), w, now, 0x1001));
}

TEST_CASE("setkey link: -lh ends pair 1 for both gateways, -bh ends pair 2 after its bytes") {
    const std::string text = sas("-ls 30 -lh 60", "-bs 2000 -bh 3000");
    auto a = link(text + a_policies()), b = link(text + b_policies());
    Wire w;
    const auto to2 = ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kTcp, 40000, 22, 100);
    const auto to3 = ipv4(ip(10, 1, 0, 5), ip(10, 3, 0, 9), kUdp, 5000, 53, 1000);

    for (std::int64_t t : {kStart, kStart + 30, kStart + 59}) {
        a->on_timer(at(t));
        b->on_timer(at(t));
        CHECK(crosses(*a, *b, to2, w, at(t), 0x1001));
    }
    const Vec late = send(*a, to2, w, at(kStart + 59));  // sealed in time, delivered too late
    REQUIRE_FALSE(late.empty());
    // Hard lifetime: A seals nothing more with 0x1001 (even before its timer runs)...
    CHECK(send(*a, to2, w, at(kStart + 60)).empty());
    CHECK(drops(*a, LinkDrop::SpdNoSa) == 1);
    // ...and B no longer opens it, then removes it.
    CHECK(receive(*b, late, w, at(kStart + 60)).kind == LinkSession::Kind::Dropped);
    CHECK(drops(*b, ovpn::Drop::NoKey) == 1);
    REQUIRE(b->sad().inbound(0x1001) != nullptr);
    b->on_timer(at(kStart + 60));
    CHECK(b->sad().inbound(0x1001) == nullptr);
    CHECK(b->sad().inbound(0x2001) != nullptr);

    // Pair 2 has no time limit but 3000 bytes (inner lengths): three 1000-byte packets.
    for (int i = 0; i < 3; ++i) CHECK(crosses(*a, *b, to3, w, at(kStart + 61), 0x2001));
    CHECK(send(*a, to3, w, at(kStart + 61)).empty());
    CHECK(drops(*a, LinkDrop::SpdNoSa) == 2);
    b->on_timer(at(kStart + 62));
    CHECK(b->sad().inbound(0x2001) == nullptr);
    CHECK(b->sad().inbound(0x2002) == nullptr);  // B's outbound pair-2 SA: not inbound at B
    CHECK(b->sad().inbound_count() == 0);
}

TEST_CASE("setkey SAD: each soft and hard stage is reported once, with why") {
    ManualSad sad(ipsec::manual::parse_setkey(sas("-ls 30 -lh 60", "-bs 2000 -bh 3000") + a_policies(), "gw.conf"),
                  kStart);
    CHECK(sad.tick(kStart + 29).empty());
    auto soft = sad.tick(kStart + 30);
    REQUIRE(soft.size() == 2);
    CHECK(soft[0].stage == LifeStage::Soft);
    CHECK(soft[0].outbound);
    CHECK(soft[0].spi == 0x1001);
    CHECK(soft[0].where == "gw.conf:3");
    CHECK_FALSE(soft[1].outbound);
    CHECK(soft[1].spi == 0x1002);
    CHECK(sad.tick(kStart + 31).empty());

    // 2500 bytes on pair 2: its soft byte limit.
    Vec buf(4096);
    const auto to3 = ipv4(ip(10, 1, 0, 5), ip(10, 3, 0, 9), kUdp, 1, 2, 1250);
    for (int i = 0; i < 2; ++i) {
        auto p = sad.pick(to3, kStart + 40);
        REQUIRE(p.sa);
        CHECK(p.sa->spi() == 0x2001);
        CHECK(p.sa->seal(to3, buf).status == esp::OutboundSa::Status::Ok);
    }
    auto bytes_soft = sad.tick(kStart + 41);
    REQUIRE(bytes_soft.size() == 1);
    CHECK(bytes_soft[0].spi == 0x2001);
    CHECK(bytes_soft[0].stage == LifeStage::Soft);

    auto hard = sad.tick(kStart + 60);
    REQUIRE(hard.size() == 2);
    CHECK(hard[0].stage == LifeStage::Hard);
    CHECK(hard[0].spi == 0x1001);
    CHECK(hard[0].reason == "hard lifetime (-lh) reached");
    CHECK(hard[1].spi == 0x1002);
    CHECK(sad.inbound_count() == 1);
    CHECK(sad.tick(kStart + 61).empty());

    auto p = sad.pick(to3, kStart + 62);
    REQUIRE(p.sa);
    CHECK(p.sa->seal(to3, buf).status == esp::OutboundSa::Status::Ok);  // 3750 bytes now
    CHECK(sad.pick(to3, kStart + 62).verdict == ipsec::manual::OutVerdict::NoSa);
    auto bytes_hard = sad.tick(kStart + 63);
    REQUIRE(bytes_hard.size() == 1);
    CHECK(bytes_hard[0].reason == "hard byte limit (-bh) reached");
    CHECK(sad.tick(kStart + 64).empty());
}

TEST_CASE("static key: a used-up sequence space is one no-send-key drop per packet, reported once") {
    esp::Suite suite{esp::Encr::AesGcm16, 256, esp::Integ::None};
    auto make = [&] {
        // One sequence number left on the outbound SA.
        std::vector<std::unique_ptr<esp::InboundSa>> in;
        in.push_back(std::make_unique<esp::InboundSa>(esp_test::params(suite, 0x1002)));
        return ManualSad(std::make_unique<esp::OutboundSa>(esp_test::params(suite, 0x1001, false, 0, 0xfffffffeu)),
                         std::move(in));
    };
    const Vec inner = esp_test::ip_packet(60);

    ManualSad sad = make();
    CHECK_FALSE(sad.has_policies());
    Vec buf(4096);
    auto p = sad.pick(inner, kStart);
    REQUIRE(p.sa);
    CHECK(p.sa->seal(inner, buf).status == esp::OutboundSa::Status::Ok);
    CHECK(sad.pick(inner, kStart).verdict == ipsec::manual::OutVerdict::NoSa);
    auto ended = sad.tick(kStart + 1);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].stage == LifeStage::Hard);
    CHECK(ended[0].reason == "sequence numbers used up");
    CHECK(sad.tick(kStart + 2).empty());

    EspLink l(EspLinkConfig{}, make(), at(kStart));
    Wire w;
    CHECK_FALSE(send(l, inner, w, at(kStart)).empty());
    CHECK(send(l, inner, w, at(kStart)).empty());
    CHECK(send(l, inner, w, at(kStart)).empty());
    CHECK(drops(l, LinkDrop::NoKey) == 2);
    CHECK(drops(l, LinkDrop::SpdNoSa) == 0);
}
