// ESP SAs (RFC 4303): algorithm tables and key checks; seal -> open round trips
// for every suite with and without ESN; the exact layout seal() writes (padding
// 1,2,3.., alignment, next header, GCM IV = sequence number); the end of the
// sequence space; and hostile input -- truncation at every length, flipped bits,
// authentic packets with bad padding, next header or inner header -- each a counted
// drop that leaves the SA working.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "esp_test_support.hpp"
#include "ipsec/esp/esp_crypto.hpp"
#include "ipsec/esp/inbound_sa.hpp"
#include "ipsec/esp/outbound_sa.hpp"
#include "ipsec/ike/ike_constants.hpp"

using namespace vpn::esp;
using namespace esp_test;
using Status = OutboundSa::Status;

namespace {

const std::vector<Suite> kSuites = {
    {Encr::AesGcm16, 128, Integ::None},        {Encr::AesGcm16, 192, Integ::None},
    {Encr::AesGcm16, 256, Integ::None},        {Encr::AesCbc, 128, Integ::HmacSha1_96},
    {Encr::AesCbc, 192, Integ::HmacSha256_128}, {Encr::AesCbc, 256, Integ::HmacSha384_192},
    {Encr::AesCbc, 256, Integ::HmacSha512_256}, {Encr::TripleDesCbc, 192, Integ::HmacSha1_96},
    {Encr::TripleDesCbc, 192, Integ::HmacSha256_128}, {Encr::Null, 0, Integ::HmacSha1_96},
    {Encr::Null, 0, Integ::HmacSha256_128},
};

std::string label(const Suite& s) {
    return std::string(encr_name(s.encr)) + "-" + std::to_string(s.encr_bits) + "/" + integ_name(s.integ);
}

// An authentic packet with any plaintext we like (the SA under test would never
// build a bad trailer itself): header | IV | plaintext, sealed by the keyed transform.
Vec craft(const SaParams& p, std::uint64_t seq, const Vec& plaintext) {
    EspCrypto enc(p.keys, p.esn, true);
    Vec pkt(kEspHeaderLen + enc.iv_len() + plaintext.size() + enc.icv_len());
    vpn::store_be32(pkt.data(), p.spi);
    vpn::store_be32(pkt.data() + 4, static_cast<std::uint32_t>(seq));
    for (std::size_t i = 0; i < enc.iv_len(); ++i) pkt[8 + i] = static_cast<std::uint8_t>(0xa0 + i + seq);
    std::memcpy(pkt.data() + 8 + enc.iv_len(), plaintext.data(), plaintext.size());
    REQUIRE(enc.seal(pkt.data(), plaintext.size(), static_cast<std::uint32_t>(seq >> 32)));
    return pkt;
}

// inner | 1..pad | pad | nh, padded to `align`.
Vec trailer_plaintext(const Vec& inner, std::uint8_t nh, std::size_t align) {
    Vec v = inner;
    std::size_t pad = (align - (inner.size() + 2) % align) % align;
    for (std::size_t i = 0; i < pad; ++i) v.push_back(static_cast<std::uint8_t>(i + 1));
    v.push_back(static_cast<std::uint8_t>(pad));
    v.push_back(nh);
    return v;
}

}  // namespace

TEST_CASE("esp algorithms: IKE transform IDs and setkey names") {
    using namespace vpn::ike;
    CHECK(encr_from_ike(encr::kAesGcm16) == Encr::AesGcm16);
    CHECK(encr_from_ike(encr::kAesCbc) == Encr::AesCbc);
    CHECK(encr_from_ike(encr::k3Des) == Encr::TripleDesCbc);
    CHECK(encr_from_ike(encr::kNull) == Encr::Null);
    CHECK_FALSE(encr_from_ike(encr::kAesGcm8).has_value());
    CHECK_FALSE(encr_from_ike(encr::kChaCha20Poly1305).has_value());
    CHECK(integ_from_ike(integ::kHmacSha1_96) == Integ::HmacSha1_96);
    CHECK(integ_from_ike(integ::kHmacSha256_128) == Integ::HmacSha256_128);
    CHECK(integ_from_ike(integ::kHmacSha384_192) == Integ::HmacSha384_192);
    CHECK(integ_from_ike(integ::kHmacSha512_256) == Integ::HmacSha512_256);
    CHECK(integ_from_ike(integ::kNone) == Integ::None);
    CHECK_FALSE(integ_from_ike(1).has_value());  // HMAC-MD5-96
    for (Encr e : {Encr::Null, Encr::AesCbc, Encr::TripleDesCbc, Encr::AesGcm16}) CHECK(encr_from_ike(ike_id(e)) == e);
    for (Integ i : {Integ::None, Integ::HmacSha1_96, Integ::HmacSha256_128, Integ::HmacSha384_192, Integ::HmacSha512_256})
        CHECK(integ_from_ike(ike_id(i)) == i);

    CHECK(encr_from_setkey("aes-cbc") == Encr::AesCbc);
    CHECK(encr_from_setkey("rijndael-cbc") == Encr::AesCbc);
    CHECK(encr_from_setkey("3des-cbc") == Encr::TripleDesCbc);
    CHECK(encr_from_setkey("aes-gcm-16") == Encr::AesGcm16);
    CHECK(encr_from_setkey("null") == Encr::Null);
    CHECK_FALSE(encr_from_setkey("des-cbc").has_value());
    CHECK_FALSE(encr_from_setkey("blowfish-cbc").has_value());
    CHECK(integ_from_setkey("hmac-sha1") == Integ::HmacSha1_96);
    CHECK(integ_from_setkey("hmac-sha256") == Integ::HmacSha256_128);
    CHECK(integ_from_setkey("hmac-sha2-256") == Integ::HmacSha256_128);
    CHECK(integ_from_setkey("hmac-sha384") == Integ::HmacSha384_192);
    CHECK(integ_from_setkey("hmac-sha512") == Integ::HmacSha512_256);
    CHECK(integ_from_setkey("null") == Integ::None);
    CHECK_FALSE(integ_from_setkey("hmac-md5").has_value());

    CHECK(encr_bits_from_key_len(Encr::AesCbc, 32) == 256u);
    CHECK(encr_bits_from_key_len(Encr::AesGcm16, 20) == 128u);  // key | salt
    CHECK(encr_bits_from_key_len(Encr::AesGcm16, 36) == 256u);
    CHECK_FALSE(encr_bits_from_key_len(Encr::AesGcm16, 16).has_value());
    CHECK(encr_bits_from_key_len(Encr::TripleDesCbc, 24) == 192u);
    CHECK_FALSE(encr_bits_from_key_len(Encr::TripleDesCbc, 16).has_value());
    CHECK(encr_bits_from_key_len(Encr::Null, 0) == 0u);
}

TEST_CASE("esp algorithms: sizes, forbidden combinations, key lengths, KEYMAT split") {
    Suite gcm{Encr::AesGcm16, 128, Integ::None};
    CHECK(encr_key_len(gcm) == 20);
    CHECK(icv_len(gcm) == 16);
    CHECK(keymat_len(gcm) == 40);
    Suite cbc{Encr::AesCbc, 128, Integ::HmacSha1_96};
    CHECK(keymat_len(cbc) == 72);
    CHECK(icv_len(cbc) == 12);
    CHECK(icv_len({Encr::AesCbc, 128, Integ::HmacSha256_128}) == 16);
    CHECK(icv_len({Encr::AesCbc, 128, Integ::HmacSha384_192}) == 24);
    CHECK(icv_len({Encr::AesCbc, 128, Integ::HmacSha512_256}) == 32);

    CHECK_THROWS_AS(validate({Encr::AesGcm16, 128, Integ::HmacSha1_96}), EspError);
    CHECK_THROWS_AS(validate({Encr::AesCbc, 128, Integ::None}), EspError);
    CHECK_THROWS_AS(validate({Encr::Null, 0, Integ::None}), EspError);
    CHECK_THROWS_AS(validate({Encr::AesCbc, 100, Integ::HmacSha1_96}), EspError);
    CHECK_THROWS_AS(validate({Encr::TripleDesCbc, 128, Integ::HmacSha1_96}), EspError);
    CHECK_THROWS_AS(validate({Encr::Null, 128, Integ::HmacSha1_96}), EspError);

    CHECK_THROWS_AS(make_sa_keys(cbc, Vec(16), Vec(19)), EspError);
    CHECK_THROWS_AS(make_sa_keys(cbc, Vec(24), Vec(20)), EspError);
    CHECK_THROWS_AS(make_sa_keys(gcm, Vec(16), {}), EspError);  // salt missing
    CHECK_NOTHROW(make_sa_keys(gcm, Vec(20), {}));

    Vec km(72);
    for (std::size_t i = 0; i < km.size(); ++i) km[i] = static_cast<std::uint8_t>(i);
    auto k = split_keymat(cbc, km);
    CHECK(k.i_to_r.encr_key.data()[0] == 0);
    CHECK(k.i_to_r.integ_key.data()[0] == 16);
    CHECK(k.r_to_i.encr_key.data()[0] == 36);
    CHECK(k.r_to_i.integ_key.data()[19] == 71);
    CHECK_THROWS_AS(split_keymat(cbc, vpn::Bytes(km.data(), 71)), EspError);

    SaParams p = params(gcm);
    p.spi = 255;
    CHECK_THROWS_AS(InboundSa{p}, EspError);
    CHECK_THROWS_AS(OutboundSa{p}, EspError);
    p.spi = 0;
    CHECK_THROWS_AS(OutboundSa{p}, EspError);
}

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
