// ESP SAs (RFC 4303): seal -> open round trips for every suite with and without
// ESN; the exact layout seal() writes (padding 1,2,3.., alignment, next header,
// GCM IV = sequence number, in-place sealing); the end of the sequence space.
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

TEST_CASE("esp seal -> open round trips: every suite, ESN on and off, IPv4 and IPv6, many lengths") {
    for (const Suite& s : kSuites) {
        for (bool esn : {false, true}) {
            CAPTURE(label(s));
            CAPTURE(esn);
            OutboundSa out(params(s, 0x1234, esn));
            InboundSa in(params(s, 0x1234, esn));
            std::uint64_t sent_bytes = 0;
            int n = 0;
            for (std::size_t len = 20; len < 140; len += 7) {
                for (int version : {4, 6}) {
                    if (version == 6 && len < 40) continue;
                    const Vec inner = ip_packet(len, version, static_cast<std::uint8_t>(len));
                    Vec buf(out.sealed_len(len) + 5);
                    const auto r = out.seal(inner, buf);
                    REQUIRE(r.status == Status::Ok);
                    ++n;
                    sent_bytes += len;
                    CHECK(r.seq == static_cast<std::uint64_t>(n));
                    CHECK(r.len == out.sealed_len(len));
                    CHECK(r.len <= out.head_room() + len + out.tail_room());
                    const std::size_t enc = r.len - out.head_room() - icv_len(s);
                    CHECK(enc % pad_align(s.encr) == 0);
                    CHECK(enc - len - 2 < pad_align(s.encr));  // minimal padding
                    CHECK(vpn::load_be32(buf.data()) == 0x1234);
                    CHECK(vpn::load_be32(buf.data() + 4) == static_cast<std::uint32_t>(r.seq));
                    auto o = in.open(vpn::MutBytes(buf.data(), r.len));
                    REQUIRE(o.ok);
                    CHECK(o.next_header == (version == 4 ? 4 : 41));
                    CHECK(o.seq == r.seq);
                    CHECK(hex(o.inner) == hex(inner));
                }
            }
            CHECK(out.packets() == static_cast<std::uint64_t>(n));
            CHECK(out.bytes() == sent_bytes);
            CHECK(in.packets() == out.packets());
            CHECK(in.bytes() == sent_bytes);
            CHECK(in.drops().total() == 0);
        }
    }
}

TEST_CASE("esp seal: the trailer, the GCM IV and in-place sealing") {
    SUBCASE("NULL encryption shows the plaintext: inner | 1,2,3.. | pad length | 4") {
        Suite s{Encr::Null, 0, Integ::HmacSha256_128};
        OutboundSa out(params(s));
        const Vec inner = ip_packet(21);
        Vec buf(out.sealed_len(21));
        auto r = out.seal(inner, buf);
        REQUIRE(r.status == Status::Ok);
        // 21 + 2 -> 24: one pad byte.
        CHECK(r.len == 8 + 24 + 16);
        CHECK(hex(vpn::Bytes(buf.data() + 8, 21)) == hex(inner));
        CHECK(buf[8 + 21] == 1);
        CHECK(buf[8 + 22] == 1);
        CHECK(buf[8 + 23] == 4);
    }
    SUBCASE("AES-CBC pads to 16: an 84-byte packet gets 10 pad bytes (ikev2-esp.md §5.1)") {
        OutboundSa out(params({Encr::AesCbc, 128, Integ::HmacSha1_96}));
        CHECK(out.sealed_len(84) == 8 + 16 + 96 + 12);
        OutboundSa gcm(params({Encr::AesGcm16, 128, Integ::None}));
        CHECK(gcm.sealed_len(84) == 8 + 8 + 88 + 16);
        OutboundSa des(params({Encr::TripleDesCbc, 192, Integ::HmacSha1_96}));
        CHECK(des.sealed_len(84) == 8 + 8 + 88 + 12);
    }
    SUBCASE("GCM IV is the 64-bit sequence number: never repeats within the SA") {
        OutboundSa out(params({Encr::AesGcm16, 256, Integ::None}, 0x999, true, 1024, 0xfffffffdull));
        std::set<std::string> ivs;
        const Vec inner = ip_packet(60);
        for (int i = 0; i < 5; ++i) {
            Vec buf(out.sealed_len(60));
            auto r = out.seal(inner, buf);
            REQUIRE(r.status == Status::Ok);
            CHECK(vpn::load_be32(buf.data() + 8) == static_cast<std::uint32_t>(r.seq >> 32));
            CHECK(vpn::load_be32(buf.data() + 12) == static_cast<std::uint32_t>(r.seq));
            ivs.insert(hex(vpn::Bytes(buf.data() + 8, 8)));
        }
        CHECK(ivs.size() == 5);
    }
    SUBCASE("CBC IVs come from the IV source, fresh per packet") {
        OutboundSa out(params({Encr::AesCbc, 128, Integ::HmacSha1_96}));
        const Vec inner = ip_packet(40);
        Vec a(out.sealed_len(40)), b(out.sealed_len(40));
        REQUIRE(out.seal(inner, a).status == Status::Ok);
        REQUIRE(out.seal(inner, b).status == Status::Ok);
        CHECK(hex(vpn::Bytes(a.data() + 8, 16)) != hex(vpn::Bytes(b.data() + 8, 16)));
    }
    SUBCASE("inner packet already at head_room(): same bytes as the copying path") {
        const Suite s{Encr::AesCbc, 256, Integ::HmacSha256_128};
        const Vec iv(16, 0x5a);
        OutboundSa one(params(s), std::make_unique<FixedIv>(iv));
        OutboundSa two(params(s), std::make_unique<FixedIv>(iv));
        const Vec inner = ip_packet(77);
        Vec copy(one.sealed_len(77));
        auto r1 = one.seal(inner, copy);
        Vec inplace(two.sealed_len(77));
        std::memcpy(inplace.data() + two.head_room(), inner.data(), inner.size());
        auto r2 = two.seal(vpn::Bytes(inplace.data() + two.head_room(), inner.size()), inplace);
        REQUIRE(r1.status == Status::Ok);
        REQUIRE(r2.status == Status::Ok);
        CHECK(hex(copy) == hex(inplace));
    }
}

TEST_CASE("esp seal refuses: end of the sequence space, small buffer, non-IP inner") {
    const Suite s{Encr::AesGcm16, 128, Integ::None};
    const Vec inner = ip_packet(40);
    SUBCASE("without ESN the counter stops at 2^32-1: needs rekey") {
        OutboundSa out(params(s, 0x1000, false, 1024, 0xfffffffeull));
        Vec buf(out.sealed_len(40));
        auto r = out.seal(inner, buf);
        REQUIRE(r.status == Status::Ok);
        CHECK(r.seq == 0xffffffffull);
        CHECK(out.exhausted());
        CHECK(out.seal(inner, buf).status == Status::NeedsRekey);
        CHECK(out.seal(inner, buf).status == Status::NeedsRekey);
        CHECK(out.packets() == 1);
    }
    SUBCASE("with ESN it goes on past 2^32; the receiver follows") {
        OutboundSa out(params(s, 0x1000, true, 1024, 0xfffffffeull));
        InboundSa in(params(s, 0x1000, true, 1024, 0xfffffff0ull));
        for (std::uint64_t want : {0xffffffffull, 0x100000000ull, 0x100000001ull}) {
            Vec buf(out.sealed_len(40));
            auto r = out.seal(inner, buf);
            REQUIRE(r.status == Status::Ok);
            CHECK(r.seq == want);
            CHECK(vpn::load_be32(buf.data() + 4) == static_cast<std::uint32_t>(want));
            auto o = in.open(vpn::MutBytes(buf.data(), r.len));
            REQUIRE(o.ok);
            CHECK(o.seq == want);
        }
        CHECK_FALSE(out.exhausted());
    }
    SUBCASE("ESN high half is in the ICV: a receiver without ESN cannot open past 2^32") {
        for (const Suite& cbc : {Suite{Encr::AesCbc, 128, Integ::HmacSha1_96}, s}) {
            OutboundSa out(params(cbc, 0x1000, true, 1024, 0xffffffffull));
            InboundSa in(params(cbc, 0x1000, false, 1024, 0));
            Vec buf(out.sealed_len(40));
            auto r = out.seal(inner, buf);
            REQUIRE(r.seq == 0x100000000ull);
            // The low half on the wire is 0: never valid without ESN.
            CHECK(in.open(vpn::MutBytes(buf.data(), r.len)).reason == Drop::TooOld);
            Vec buf2(out.sealed_len(40));
            auto r2 = out.seal(inner, buf2);
            CHECK(in.open(vpn::MutBytes(buf2.data(), r2.len)).reason == Drop::BadIcv);
        }
    }
    SUBCASE("buffer and inner checks") {
        OutboundSa out(params(s));
        Vec small(out.sealed_len(40) - 1);
        CHECK(out.seal(inner, small).status == Status::BufferTooSmall);
        Vec buf(200);
        CHECK(out.seal({}, buf).status == Status::BadInner);
        Vec v5 = inner;
        v5[0] = 0x55;
        CHECK(out.seal(v5, buf).status == Status::BadInner);
        CHECK(out.seq() == 0);  // nothing consumed
    }
}
