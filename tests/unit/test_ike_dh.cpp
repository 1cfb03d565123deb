// Diffie-Hellman groups for the KE payload (ipsec/ike/dh_group.hpp): RFC 7748
// (X25519) and RFC 5903 §8 (ECP) known answers, agreement of two of our key pairs
// for every group, and rejection of invalid peer values.  NAT-D hashes
// (nat_detection.hpp) against the strongSwan IKE_SA_INIT messages.
#include <doctest/doctest.h>

#include <openssl/bn.h>

#include <algorithm>
#include <string>

#include "ike_key_vectors.hpp"
#include "ipsec/ike/dh_group.hpp"
#include "ipsec/ike/ike_constants.hpp"
#include "ipsec/ike/nat_detection.hpp"

using namespace vpn::ike;
using ike_key_test::Blob;
using ike_key_test::hex;
using ike_key_test::unhex;

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

DhKeyPair pair_from(std::uint16_t group, const std::string& priv_hex) {
    auto k = DhKeyPair::from_private(group, unhex(priv_hex));
    REQUIRE_MESSAGE(k, k.error());
    return k.take();
}

std::string secret_hex(const DhKeyPair& k, const Blob& peer) {
    auto s = k.shared_secret(peer);
    REQUIRE_MESSAGE(s, s.error());
    return hex(*s);
}

}  // namespace

TEST_CASE("X25519: RFC 7748 §5.2 scalar multiplications and the §6.1 exchange") {
    auto v1 = pair_from(dh::kCurve25519, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
    CHECK(secret_hex(v1, unhex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")) ==
          "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    auto v2 = pair_from(dh::kCurve25519, "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d");
    CHECK(secret_hex(v2, unhex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")) ==
          "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");

    auto alice = pair_from(dh::kCurve25519, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    auto bob = pair_from(dh::kCurve25519, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    CHECK(hex(alice.public_value()) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    CHECK(hex(bob.public_value()) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    const char* shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    CHECK(secret_hex(alice, bob.public_value()) == shared);
    CHECK(secret_hex(bob, alice.public_value()) == shared);
}

TEST_CASE("ECP: RFC 5903 §8 test vectors, KE data x | y without 0x04, g^ir = x") {
    struct Case {
        std::uint16_t group;
        const char *i, *gix, *giy, *r, *grx, *gry, *girx;
    };
    const Case cases[] = {
        {dh::kEcp256, "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
         "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
         "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
         "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
         "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63",
         "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
         "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"},
        {dh::kEcp384,
         "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194",
         "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C88732AEE95F41AA",
         "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C",
         "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942E0308312916B8ED2960E4BD55A7448FC",
         "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D0D1AC43A0336DEF96FDA41D0774A3571",
         "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C",
         "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746"},
        {dh::kEcp521,
         "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A095AA85A30FE1C2952C6771D937BA9777F5957B2639BAB07"
         "2462F68C27A57382D4A52",
         "0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBEE1E3BF42E00B8E380AEAE57C2D107564941885942AF5A7F"
         "4601723C4195D176CED3E",
         "017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10AD8A788015AC405D7799DC75E7B7D5B6CF2261A6A7F15074"
         "38BF01BEB6CA3926F9582",
         "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A"
         "4EFFC311F5CB151685EB9",
         "00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A219B97C356436ADC6E95BB0352F6BE64A6C2912D4EF2D0433"
         "CED2B6171640012D9460F",
         "015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87220B6536C5C408A1D2AEBB8E86D678AE49CB57091F47322"
         "96579AB44FCD17F0FC56A",
         "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04D1427E73CA4BAA240A34786859810C06B3C715A3A8CC315"
         "1F2BEE417996D19F3DDEA"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.group);
        auto i = pair_from(c.group, c.i);
        auto r = pair_from(c.group, c.r);
        CHECK(hex(i.public_value()) == lower(std::string(c.gix) + c.giy));
        CHECK(hex(r.public_value()) == lower(std::string(c.grx) + c.gry));
        CHECK(secret_hex(i, r.public_value()) == lower(c.girx));
        CHECK(secret_hex(r, i.public_value()) == lower(c.girx));
    }
}

TEST_CASE("every group: two fresh key pairs agree, sizes are the wire sizes") {
    struct Case {
        std::uint16_t group;
        std::size_t pub, secret;
    };
    const Case cases[] = {{dh::kModp2048, 256, 256}, {dh::kModp3072, 384, 384}, {dh::kModp4096, 512, 512},
                          {dh::kEcp256, 64, 32},     {dh::kEcp384, 96, 48},     {dh::kEcp521, 132, 66},
                          {dh::kCurve25519, 32, 32}};
    for (const auto& c : cases) {
        CAPTURE(c.group);
        auto a = DhKeyPair::generate(c.group);
        auto b = DhKeyPair::generate(c.group);
        REQUIRE_MESSAGE(a, a.error());
        REQUIRE(b);
        CHECK(a->group() == c.group);
        CHECK(a->public_value().size() == c.pub);
        CHECK(dh_public_size(c.group) == c.pub);
        CHECK(dh_secret_size(c.group) == c.secret);
        CHECK(a->public_value() != b->public_value());
        auto sa = a->shared_secret(b->public_value());
        auto sb = b->shared_secret(a->public_value());
        REQUIRE_MESSAGE(sa, sa.error());
        REQUIRE(sb);
        CHECK(sa->size() == c.secret);
        CHECK(hex(*sa) == hex(*sb));
    }
    CHECK(dh_group_name(dh::kModp2048) == "MODP_2048");
    CHECK_FALSE(DhKeyPair::generate(dh::kCurve448));  // not supported
    CHECK_FALSE(DhKeyPair::generate(2));              // MODP-1024: never
    CHECK_FALSE(dh_public_size(1));
}

TEST_CASE("invalid peer values are refused with a reason") {
    SUBCASE("MODP: 0, 1, p-1, p, too short, too long") {
        auto k = DhKeyPair::generate(dh::kModp2048);
        REQUIRE(k);
        vpn::pki::BignumPtr p(BN_get_rfc3526_prime_2048(nullptr));
        Blob pb(256), pm1(256);
        BN_bn2binpad(p.get(), pb.data(), 256);
        pm1 = pb;
        pm1.back() -= 1;  // p is odd
        Blob zero(256, 0), one(256, 0);
        one.back() = 1;
        for (const Blob& bad : {zero, one, pm1, pb}) {
            auto s = k->shared_secret(bad);
            CHECK_FALSE(s);
            CHECK(s.error().find("out of range") != std::string::npos);
        }
        CHECK_FALSE(k->shared_secret(Blob(255, 7)));
        CHECK_FALSE(k->shared_secret(Blob(257, 7)));
        Blob two = one;
        two.back() = 2;  // in range and in the subgroup: accepted
        CHECK(k->shared_secret(two));
    }
    SUBCASE("ECP: off-curve point, zeros, 0x04-prefixed, wrong length") {
        auto k = DhKeyPair::generate(dh::kEcp256);
        auto other = DhKeyPair::generate(dh::kEcp256);
        REQUIRE(k);
        REQUIRE(other);
        Blob bad = other->public_value();
        bad.back() ^= 1;  // y + 1: not on the curve
        CHECK_FALSE(k->shared_secret(bad));
        CHECK_FALSE(k->shared_secret(Blob(64, 0)));
        Blob prefixed(65, 0x04);
        std::copy(other->public_value().begin(), other->public_value().end(), prefixed.begin() + 1);
        CHECK_FALSE(k->shared_secret(prefixed));
        CHECK_FALSE(k->shared_secret(Blob(other->public_value().begin(), other->public_value().end() - 1)));
        CHECK(k->shared_secret(other->public_value()));
    }
    SUBCASE("X25519: small-order u values give an all-zero secret; wrong length") {
        auto k = DhKeyPair::generate(dh::kCurve25519);
        REQUIRE(k);
        Blob zero(32, 0), one(32, 0);
        one[0] = 1;
        // RFC 7748 §6.1: 0 and 1 are of small order.
        CHECK_FALSE(k->shared_secret(zero));
        CHECK_FALSE(k->shared_secret(one));
        CHECK_FALSE(k->shared_secret(Blob(31, 9)));
        CHECK_FALSE(k->shared_secret(Blob(33, 9)));
    }
    SUBCASE("private values of the wrong shape") {
        CHECK_FALSE(DhKeyPair::from_private(dh::kCurve25519, Blob(31, 1)));
        CHECK_FALSE(DhKeyPair::from_private(dh::kEcp256, Blob(32, 0)));  // scalar 0
        CHECK_FALSE(DhKeyPair::from_private(77, Blob(32, 1)));
    }
}

TEST_CASE("NAT-D: SHA-1(SPIi | SPIr | IP | port) as in the strongSwan IKE_SA_INIT messages") {
    // Both sessions: initiator 172.31.251.1:500 -> responder 172.31.251.2:500.
    const Blob ip_i{172, 31, 251, 1}, ip_r{172, 31, 251, 2}, zero_spi(8, 0);
    for (const char* file : {"psk-session-vectors.txt", "cert-session-vectors.txt"}) {
        CAPTURE(file);
        auto v = ike_key_test::session_vectors(file);
        auto notify = [](const Blob& msg, std::uint16_t type) {
            for (const auto& p : ike_key_test::payloads(msg)) {
                if (p.type != 41 || p.body.size() < 4) continue;
                std::size_t spi = p.body[1];
                if (vpn::load_be16(&p.body[2]) == type) return Blob(p.body.begin() + 4 + spi, p.body.end());
            }
            FAIL("no notify " << type);
            return Blob{};
        };
        // The request's hash over the responder's address, SPIr still zero.
        auto dst_req = nat_detection_hash(v["SPIi"], zero_spi, ip_r, 500);
        REQUIRE(dst_req);
        CHECK(nat_detection_matches(notify(v["ike_sa_init_request"], notify::kNatDetectionDestinationIp), *dst_req));
        // The response's hash over the initiator's address, both SPIs.
        auto dst_rsp = nat_detection_hash(v["SPIi"], v["SPIr"], ip_i, 500);
        REQUIRE(dst_rsp);
        CHECK(nat_detection_matches(notify(v["ike_sa_init_response"], notify::kNatDetectionDestinationIp), *dst_rsp));
        // strongSwan+libipsec fakes SOURCE_IP to force UDP encapsulation: the real
        // source does not match, which is what makes us see "peer behind NAT".
        auto src_req = nat_detection_hash(v["SPIi"], zero_spi, ip_i, 500);
        CHECK_FALSE(nat_detection_matches(notify(v["ike_sa_init_request"], notify::kNatDetectionSourceIp), *src_req));
    }
    // The fake source of the cert session, as strongSwan logged its natd_chunk
    // (138.200.121.115 port 0), reproduces the sent hash.
    auto v = ike_key_test::session_vectors("cert-session-vectors.txt");
    auto fake = nat_detection_hash(v["SPIi"], zero_spi, Blob{0x8a, 0xc8, 0x79, 0x73}, 0);
    REQUIRE(fake);
    CHECK(hex(vpn::Bytes(fake->data(), fake->size())) == "b122345804144805af332df8a9e0c129191f69df");

    // IPv6 (value from Python hashlib).
    auto v6 = nat_detection_hash(unhex("0123456789abcdef"), unhex("fedcba9876543210"),
                                 unhex("20010db8000000000000000000000001"), 4500);
    REQUIRE(v6);
    CHECK(hex(vpn::Bytes(v6->data(), v6->size())) == "9de8bfefaab479f0d5a5609a6de20595c6307502");
    CHECK_FALSE(nat_detection_hash(unhex("0123456789abcdef"), zero_spi, Blob(5, 1), 500));
    CHECK_FALSE(nat_detection_hash(Blob(4, 0), zero_spi, ip_i, 500));
    CHECK_FALSE(nat_detection_matches(Blob(19, 0), *v6));
}
