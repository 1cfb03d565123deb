// ESP against packets someone else made: the first ESP packet of two real
// strongSwan 5.9.8 sessions (AES-CBC + HMAC-SHA1-96, AES-GCM-16), opened with keys
// split from the session's child KEYMAT and re-sealed byte for byte; and the
// AES-GCM-ESP cases of draft-mcgrew-gcm-test-01 (incl. ESN) through the keyed
// transform, then through an inbound SA.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>

#include "esp_test_support.hpp"
#include "ipsec/esp/esp_crypto.hpp"
#include "ipsec/esp/inbound_sa.hpp"
#include "ipsec/esp/outbound_sa.hpp"

using namespace vpn::esp;
using namespace esp_test;

namespace {

Suite suite_of(const Case& c) {
    Suite s;
    s.encr = *encr_from_setkey(c.at("encr"));
    s.encr_bits = static_cast<unsigned>(std::stoul(c.at("encr_bits")));
    s.integ = *integ_from_setkey(c.at("integ"));
    return s;
}

}  // namespace

TEST_CASE("strongSwan ESP packets open with the KEYMAT split Ei|Ai|Er|Ar and re-seal identically") {
    const auto cases = load_cases("strongswan_esp.txt");
    REQUIRE(cases.size() == 2);
    for (const Case& c : cases) {
        CAPTURE(c.at("case"));
        const Suite s = suite_of(c);
        const Vec keymat = unhex(c.at("keymat"));
        CHECK(keymat.size() == keymat_len(s));
        const Vec packet = unhex(c.at("packet"));
        const Vec plain = unhex(c.at("plaintext"));
        const std::uint32_t spi = vpn::load_be32(packet.data());
        const std::size_t inner_len = vpn::load_be16(plain.data() + 2);  // IPv4 total length
        const Vec inner(plain.begin(), plain.begin() + static_cast<long>(inner_len));

        auto keys = split_keymat(s, keymat);
        SaParams in;
        in.spi = spi;
        in.keys = std::move(keys.i_to_r);  // the packet went initiator -> responder
        InboundSa sa(in);
        Vec buf = packet;
        auto o = sa.open(buf);
        REQUIRE(o.ok);
        CHECK(o.seq == 1);
        CHECK(o.next_header == 4);
        CHECK(hex(o.inner) == hex(inner));
        // What ESP encrypted, trailer included, is exactly strongSwan's plaintext.
        const std::size_t iv = iv_len(s.encr);
        CHECK(hex(vpn::Bytes(buf.data() + 8 + iv, plain.size())) == hex(plain));
        CHECK(sa.packets() == 1);
        CHECK(sa.bytes() == inner_len);

        // The other direction's keys must not open it.
        SaParams wrong;
        wrong.spi = spi;
        wrong.keys = std::move(keys.r_to_i);
        InboundSa other(wrong);
        buf = packet;
        auto w = other.open(buf);
        CHECK_FALSE(w.ok);
        CHECK(w.reason == Drop::BadIcv);

        // Re-seal: with CBC our OutboundSa reproduces the packet given strongSwan's IV
        // (same 1,2,3.. padding, next header 4).  strongSwan's GCM IV is not ours
        // (it mixes in a random value), so there the keyed transform is fed its IV.
        auto keys2 = split_keymat(s, keymat);
        SaParams out;
        out.spi = spi;
        out.keys = std::move(keys2.i_to_r);
        const Vec iv_bytes(packet.begin() + 8, packet.begin() + 8 + static_cast<long>(iv));
        if (s.encr == Encr::AesCbc) {
            OutboundSa osa(out, std::make_unique<FixedIv>(iv_bytes));
            Vec dst(osa.sealed_len(inner.size()));
            auto r = osa.seal(inner, dst);
            REQUIRE(r.status == OutboundSa::Status::Ok);
            CHECK(r.seq == 1);
            CHECK(hex(vpn::Bytes(dst.data(), r.len)) == hex(packet));
        } else {
            EspCrypto enc(out.keys, false, true);
            Vec dst(packet.size());
            std::memcpy(dst.data(), packet.data(), 8 + iv);
            std::memcpy(dst.data() + 8 + iv, plain.data(), plain.size());
            REQUIRE(enc.seal(dst.data(), plain.size(), 0));
            CHECK(hex(dst) == hex(packet));
            // And our own seal of the same inner packet opens on strongSwan's keys.
            OutboundSa osa(out);
            Vec d2(osa.sealed_len(inner.size()));
            auto r = osa.seal(inner, d2);
            REQUIRE(r.status == OutboundSa::Status::Ok);
            CHECK(r.len == packet.size());  // 8 + 8 + 88 + 16 = 120 (ikev2-esp.md §5.1)
            auto k3 = split_keymat(s, keymat);
            SaParams in2;
            in2.spi = spi;
            in2.keys = std::move(k3.i_to_r);
            InboundSa sa2(in2);
            auto o2 = sa2.open(vpn::MutBytes(d2.data(), r.len));
            REQUIRE(o2.ok);
            CHECK(hex(o2.inner) == hex(inner));
        }
    }
}

TEST_CASE("draft-mcgrew-gcm-test-01 AES-GCM-ESP cases, 32-bit and extended sequence numbers") {
    const auto cases = load_cases("gcm_esp_mcgrew.txt");
    REQUIRE(cases.size() == 9);
    int esn_cases = 0;
    for (const Case& c : cases) {
        CAPTURE(c.at("case"));
        const Vec key = unhex(c.at("key")), nonce = unhex(c.at("nonce"));
        const Vec plain = unhex(c.at("plaintext")), packet = unhex(c.at("packet"));
        const std::string seq_hex = c.at("seq");
        const bool esn = seq_hex.size() == 16;
        esn_cases += esn;
        const std::uint64_t seq = std::stoull(seq_hex, nullptr, 16);
        const auto seq_hi = static_cast<std::uint32_t>(seq >> 32);

        Suite s{Encr::AesGcm16, static_cast<unsigned>(key.size() * 8), Integ::None};
        Vec material = key;  // KEYMAT form: key | salt
        material.insert(material.end(), nonce.begin(), nonce.begin() + 4);
        const SaKeys keys = make_sa_keys(s, material, {});

        // Encrypt: header | IV | plaintext -> the draft's packet.
        EspCrypto enc(keys, esn, true);
        Vec buf(packet.size());
        std::memcpy(buf.data(), packet.data(), 8);
        std::memcpy(buf.data() + 8, nonce.data() + 4, 8);
        std::memcpy(buf.data() + 16, plain.data(), plain.size());
        REQUIRE(enc.seal(buf.data(), plain.size(), seq_hi));
        CHECK(hex(buf) == hex(packet));

        // Decrypt it back.
        EspCrypto dec(keys, esn, false);
        buf = packet;
        REQUIRE(dec.verify(buf.data(), plain.size(), seq_hi));
        CHECK(hex(vpn::Bytes(buf.data() + 16, plain.size())) == hex(plain));

        // One flipped bit anywhere, or (ESN) the wrong high half: tag mismatch.
        for (std::size_t at : {std::size_t(0), std::size_t(5), std::size_t(12), packet.size() / 2, packet.size() - 1}) {
            buf = packet;
            buf[at] ^= 0x20;
            CHECK_FALSE(dec.verify(buf.data(), plain.size(), seq_hi));
        }
        if (esn) {
            buf = packet;
            CHECK_FALSE(dec.verify(buf.data(), plain.size(), seq_hi + 1));
        }

        // Through an inbound SA whose window stands just below the case's number, so
        // the ESN guess lands on it.  The draft's trailers say next header 1, so the
        // SA authenticates the packet (the window moves) and then refuses the content.
        SaParams p;
        p.spi = vpn::load_be32(packet.data());
        p.keys = keys;
        p.esn = esn;
        p.initial_seq = seq - 1;
        InboundSa sa(p);
        buf = packet;
        auto o = sa.open(buf);
        CHECK_FALSE(o.ok);
        CHECK(o.reason == Drop::BadNextHeader);
        CHECK(o.seq == seq);
        CHECK(sa.window().highest() == seq);
    }
    CHECK(esn_cases == 5);
}
