// Hostile input to an inbound ESP SA: truncation at every length, flipped bits
// (the window must not move), replays and old packets, window 0, and authentic
// packets with bad padding, next header or inner header -- each a counted drop
// that leaves the SA working.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "esp_test_support.hpp"
#include "ipsec/esp/esp_crypto.hpp"
#include "ipsec/esp/inbound_sa.hpp"
#include "ipsec/esp/outbound_sa.hpp"

using namespace vpn::esp;
using namespace esp_test;
using Status = OutboundSa::Status;

TEST_CASE("esp open: truncated at every length, every suite -- counted drops, never a crash") {
    for (const Suite& s : kSuites) {
        CAPTURE(label(s));
        OutboundSa out(params(s));
        InboundSa in(params(s));
        const Vec inner = ip_packet(64);
        Vec pkt(out.sealed_len(64));
        REQUIRE(out.seal(inner, pkt).status == Status::Ok);
        std::uint64_t n = 0;
        for (std::size_t len = 0; len < pkt.size(); ++len) {
            Vec cut(pkt.begin(), pkt.begin() + static_cast<long>(len));
            auto o = in.open(cut);
            CHECK_FALSE(o.ok);
            const bool expected = o.reason == Drop::Truncated || o.reason == Drop::BadLength || o.reason == Drop::BadIcv;
            CHECK(expected);
            ++n;
        }
        CHECK(in.drops().total() == n);
        CHECK(in.window().highest() == 0);
        Vec whole = pkt;
        CHECK(in.open(whole).ok);  // the untouched packet still opens
    }
}

TEST_CASE("esp open: a failed ICV leaves the window untouched; replays and old packets") {
    for (const Suite& s : kSuites) {
        CAPTURE(label(s));
        OutboundSa out(params(s));
        InboundSa in(params(s, 0x1000, false, 64));
        const Vec inner = ip_packet(50);
        std::vector<Vec> sent;
        for (int i = 0; i < 70; ++i) {
            Vec pkt(out.sealed_len(50));
            REQUIRE(out.seal(inner, pkt).status == Status::Ok);
            sent.push_back(pkt);
        }
        // Packet 1 with a flipped bit in the header, the IV/ciphertext and the ICV.
        for (std::size_t at : {std::size_t(5), std::size_t(9), sent[0].size() - 1}) {
            Vec bad = sent[0];
            bad[at] ^= 1;
            CHECK(in.open(bad).reason == Drop::BadIcv);
            CHECK(in.window().highest() == 0);
        }
        // A forged number far ahead with a bad ICV must not slide the window.
        Vec forged = sent[1];
        vpn::store_be32(forged.data() + 4, 1000000);
        CHECK(in.open(forged).reason == Drop::BadIcv);
        CHECK(in.window().highest() == 0);
        Vec p = sent[0];
        CHECK(in.open(p).ok);
        p = sent[0];
        CHECK(in.open(p).reason == Drop::Replay);
        p = sent[69];
        CHECK(in.open(p).ok);  // seq 70: window now 7..70
        p = sent[5];
        CHECK(in.open(p).reason == Drop::TooOld);  // seq 6
        p = sent[6];
        CHECK(in.open(p).ok);  // seq 7, late but inside
        CHECK(in.drops().get(Drop::BadIcv) == 4);
        CHECK(in.drops().get(Drop::Replay) == 1);
        CHECK(in.drops().get(Drop::TooOld) == 1);
    }
}

TEST_CASE("esp open: window 0 (manual SA) accepts duplicates") {
    const Suite s{Encr::AesCbc, 128, Integ::HmacSha256_128};
    OutboundSa out(params(s));
    InboundSa in(params(s, 0x1000, false, 0));
    Vec pkt(out.sealed_len(40));
    REQUIRE(out.seal(ip_packet(40), pkt).status == Status::Ok);
    for (int i = 0; i < 3; ++i) {
        Vec p = pkt;
        CHECK(in.open(p).ok);
    }
}

TEST_CASE("esp open: authentic packets with a bad trailer or inner header") {
    for (const Suite& s : kSuites) {
        CAPTURE(label(s));
        const SaParams p = params(s);
        InboundSa in(p);
        const std::size_t a = pad_align(s.encr);
        const Vec inner = ip_packet(45);
        std::uint64_t seq = 0;
        auto expect = [&](const Vec& plaintext, Drop d) {
            Vec pkt = craft(p, ++seq, plaintext);
            auto o = in.open(pkt);
            CHECK_FALSE(o.ok);
            CHECK(o.reason == d);
            CHECK(in.window().highest() == seq);  // authentic: the window moved
        };
        // Control: a well-formed crafted packet opens.
        {
            Vec pkt = craft(p, ++seq, trailer_plaintext(inner, 4, a));
            auto o = in.open(pkt);
            REQUIRE(o.ok);
            CHECK(hex(o.inner) == hex(inner));
        }
        Vec t = trailer_plaintext(inner, 4, a);
        const std::size_t pad = t[t.size() - 2];
        REQUIRE(pad >= 1);  // 45 + 2 never aligns to 4, 8 or 16
        Vec bad = t;
        bad[t.size() - 2] = static_cast<std::uint8_t>(t.size() - 1);  // pad length beyond the plaintext
        expect(bad, Drop::BadPadding);
        bad = t;
        bad[t.size() - 2] = 255;
        expect(bad, Drop::BadPadding);
        bad = t;
        bad[inner.size()] = 0;  // first pad byte should be 1
        expect(bad, Drop::BadPadding);
        bad = t;
        bad[t.size() - 3] ^= 0x80;  // last pad byte
        expect(bad, Drop::BadPadding);
        for (std::uint8_t nh : {0, 1, 6, 17, 50, 255}) {
            bad = t;
            bad.back() = nh;
            expect(bad, Drop::BadNextHeader);
        }
        bad = t;
        bad.back() = 59;
        expect(bad, Drop::Dummy);
        bad = t;
        bad.back() = 41;  // says IPv6, carries IPv4
        expect(bad, Drop::BadInner);
        Vec longer = inner;
        longer[3] = 46;  // total length one beyond what was sent
        expect(trailer_plaintext(longer, 4, a), Drop::BadInner);
        Vec tiny = inner;
        tiny[3] = 19;  // total length below a header
        expect(trailer_plaintext(tiny, 4, a), Drop::BadInner);
        expect(trailer_plaintext(Vec(10, 0x45), 4, a), Drop::BadInner);  // shorter than a header

        // TFC padding (RFC 4303 §2.7): bytes after the inner packet's own length are dropped.
        Vec tfc = inner;
        tfc.resize(inner.size() + 13, 0);
        Vec pkt = craft(p, ++seq, trailer_plaintext(tfc, 4, a));
        auto o = in.open(pkt);
        REQUIRE(o.ok);
        CHECK(hex(o.inner) == hex(inner));

        CHECK(in.drops().get(Drop::BadPadding) == 4);
        CHECK(in.drops().get(Drop::BadNextHeader) == 6);
        CHECK(in.drops().get(Drop::Dummy) == 1);
        CHECK(in.drops().get(Drop::BadInner) == 4);
        CHECK(in.packets() == 2);
    }
}

TEST_CASE("esp open: wrong SPI, and CBC lengths that are no whole block") {
    const Suite s{Encr::AesCbc, 128, Integ::HmacSha1_96};
    OutboundSa out(params(s, 0x2000));
    InboundSa in(params(s, 0x1000));
    Vec pkt(out.sealed_len(40));
    REQUIRE(out.seal(ip_packet(40), pkt).status == Status::Ok);
    CHECK(in.open(pkt).reason == Drop::WrongSpi);
    InboundSa right(params(s, 0x2000));
    Vec longer = pkt;
    longer.push_back(0);
    CHECK(right.open(longer).reason == Drop::BadLength);
    CHECK(right.drops().summary() == "bad-length=1");
}
