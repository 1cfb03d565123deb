// IKEv2 prf/prf+ and key schedule (ipsec/ike/prf.hpp, key_schedule.hpp): RFC 2202 /
// RFC 4231 HMAC vectors through prf, NIST-derived IKEv2 KDF vectors (via NSS), and
// the two strongSwan 5.9.8 sessions of tests/vectors/ipsec/ end to end, rekeys included.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "ike_key_vectors.hpp"
#include "ipsec/ike/key_schedule.hpp"
#include "ipsec/ike/prf.hpp"
#include "ipsec/ike/transform_set.hpp"

using namespace vpn::ike;
using ike_key_test::Blob;
using ike_key_test::hex;
using ike_key_test::str;
using ike_key_test::unhex;

namespace {

Prf prf_of(std::uint16_t id) {
    auto p = Prf::from_id(id);
    REQUIRE(p);
    return *p;
}

}  // namespace

TEST_CASE("prf: RFC 2202 (HMAC-SHA1) and RFC 4231 (HMAC-SHA2) vectors, keys of any length") {
    const Blob k20(20, 0x0b), k80(80, 0xaa), k131(131, 0xaa);
    const char* large = "Test Using Larger Than Block-Size Key - Hash Key First";
    struct Case {
        std::uint16_t prf;
        Blob key;
        const char* data;
        const char* mac;
    };
    const Case cases[] = {
        // RFC 2202 §3 test cases 1, 2, 6
        {prf::kHmacSha1, k20, "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"},
        {prf::kHmacSha1, Blob{'J', 'e', 'f', 'e'}, "what do ya want for nothing?",
         "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
        {prf::kHmacSha1, k80, large, "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
        // RFC 4231 §4.2, 4.3, 4.7 (test cases 1, 2, 6)
        {prf::kHmacSha256, k20, "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {prf::kHmacSha384, k20, "Hi There",
         "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"},
        {prf::kHmacSha512, k20, "Hi There",
         "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61"
         "f1702e696c203a126854"},
        {prf::kHmacSha256, Blob{'J', 'e', 'f', 'e'}, "what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {prf::kHmacSha384, Blob{'J', 'e', 'f', 'e'}, "what do ya want for nothing?",
         "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
        {prf::kHmacSha512, Blob{'J', 'e', 'f', 'e'}, "what do ya want for nothing?",
         "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6"
         "b4b636e070a38bce737"},
        {prf::kHmacSha256, k131, large, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {prf::kHmacSha384, k131, large,
         "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952"},
        {prf::kHmacSha512, k131, large,
         "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0"
         "aec8b915a985d786598"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.prf);
        CAPTURE(c.key.size());
        Prf p = prf_of(c.prf);
        CHECK(hex(p(c.key, str(c.data))) == c.mac);
        // The data may come in pieces: prf(K, a | b) = prf(K, ab).
        vpn::Bytes d = str(c.data);
        CHECK(hex(p(c.key, {d.first(3), d.subspan(3)})) == c.mac);
    }
    CHECK(prf_of(prf::kHmacSha256).size() == 32);
    CHECK(prf_of(prf::kHmacSha1).name() == "PRF_HMAC_SHA1");
    CHECK_FALSE(Prf::from_id(4));  // PRF_AES128_XCBC: not supported
    CHECK_FALSE(Prf::from_id(0));
}

TEST_CASE("prf+: block chaining, truncation and the 255-block limit") {
    Prf p = prf_of(prf::kHmacSha256);
    Blob key(32, 0x11), seed = unhex("0102030405");
    auto t1 = p(key, {seed, unhex("01")});
    auto t2 = p(key, {t1.span(), seed, unhex("02")});
    auto out = p.plus(key, seed, 40);
    CHECK(hex(out) == hex(t1) + hex(t2).substr(0, 16));
    // Seed pieces are concatenated.
    CHECK(hex(p.plus(key, {vpn::Bytes(seed).first(2), vpn::Bytes(seed).subspan(2)}, 40)) == hex(out));
    CHECK(p.plus(key, seed, 255 * 32).size() == 255 * 32);
    CHECK_THROWS(p.plus(key, seed, 255 * 32 + 1));
}

TEST_CASE("IKEv2 KDF: NIST CAVP samples as shipped with NSS (SKEYSEED, prf+, rekey SKEYSEED)") {
    // tests/vectors/ipsec/ikev2-kdf-nss.txt: one block per PRF.
    std::istringstream in(ike_key_test::read_text("ikev2-kdf-nss.txt"));
    std::vector<std::map<std::string, Blob>> blocks;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto eq = line.find(" = ");
        REQUIRE(eq != std::string::npos);
        std::string k = line.substr(0, eq), v = line.substr(eq + 3);
        if (k == "prf") {
            blocks.emplace_back();
            blocks.back()["prf"] = Blob{static_cast<std::uint8_t>(std::stoi(v))};
        } else {
            blocks.back()[k] = unhex(v);
        }
    }
    REQUIRE(blocks.size() == 4);
    for (auto& b : blocks) {
        Prf p = prf_of(b["prf"][0]);
        CAPTURE(p.name());
        auto seed = ike_skeyseed(p, b["gir"], b["Ni"], b["Nr"]);
        CHECK(hex(seed) == hex(b["SKEYSEED"]));
        auto dkm = p.plus(seed.span(), {b["Ni"], b["Nr"], b["SPIi"], b["SPIr"]}, b["DKM"].size());
        CHECK(hex(dkm) == hex(b["DKM"]));
        // SK_d is the head of the DKM; the rekey vector builds on it.
        auto sk_d = vpn::Bytes(b["DKM"]).first(p.size());
        CHECK(hex(rekey_skeyseed(p, sk_d, b["gir_new"], b["Ni"], b["Nr"])) == hex(b["SKEYSEED_rekey"]));
        // Through the full schedule: AES-CBC-256 + the matching HMAC INTEG.
        TransformSet t{encr::kAesCbc, 256, integ::kHmacSha256_128, p.id()};
        auto keys = derive_ike_sa_keys(t, b["gir"], b["Ni"], b["Nr"], b["SPIi"], b["SPIr"]);
        REQUIRE(keys);
        CHECK(hex(keys->sk_d) == hex(sk_d));
        CHECK(hex(keys->sk_ai) == hex(vpn::Bytes(b["DKM"]).subspan(p.size(), 32)));
    }
}

TEST_CASE("strongSwan PSK session: SKEYSEED, every SK_*, child KEYMAT (AES-CBC-256/SHA256/MODP-2048)") {
    auto v = ike_key_test::session_vectors("psk-session-vectors.txt");
    // IKE transforms: ENCR (12, 256) PRF 5 INTEG 12 DH 14; child ENCR (12, 128) INTEG 2.
    TransformSet ike{encr::kAesCbc, 256, integ::kHmacSha256_128, prf::kHmacSha256, dh::kModp2048};
    Prf p = prf_of(ike.prf);
    CHECK(hex(ike_skeyseed(p, v["g^ir"], v["Ni"], v["Nr"])) == hex(v["SKEYSEED"]));
    auto keys = derive_ike_sa_keys(ike, v["g^ir"], v["Ni"], v["Nr"], v["SPIi"], v["SPIr"]);
    REQUIRE(keys);
    CHECK(hex(keys->sk_d) == hex(v["SK_d"]));
    CHECK(hex(keys->sk_ai) == hex(v["SK_ai"]));
    CHECK(hex(keys->sk_ar) == hex(v["SK_ar"]));
    CHECK(hex(keys->sk_ei) == hex(v["SK_ei"]));
    CHECK(hex(keys->sk_er) == hex(v["SK_er"]));
    CHECK(hex(keys->sk_pi) == hex(v["SK_pi"]));
    CHECK(hex(keys->sk_pr) == hex(v["SK_pr"]));

    TransformSet esp{encr::kAesCbc, 128, integ::kHmacSha1_96};
    auto child = derive_child_sa_keys(p, keys->sk_d.span(), esp, {}, v["Ni"], v["Nr"]);
    REQUIRE(child);
    const Blob& km = v["child_KEYMAT"];
    REQUIRE(km.size() == 2 * (16 + 20));
    CHECK(hex(child->ei) == hex(vpn::Bytes(km).subspan(0, 16)));
    CHECK(hex(child->ai) == hex(vpn::Bytes(km).subspan(16, 20)));
    CHECK(hex(child->er) == hex(vpn::Bytes(km).subspan(36, 16)));
    CHECK(hex(child->ar) == hex(vpn::Bytes(km).subspan(52, 20)));
}

TEST_CASE("strongSwan cert session: AES-GCM-16 keys with salt, no SK_a, child KEYMAT, both rekeys") {
    auto v = ike_key_test::session_vectors("cert-session-vectors.txt");
    // IKE: ENCR (20, 128) PRF 5 INTEG 0 DH 31; child ENCR (20, 128) INTEG 0, PFS x25519 on rekey.
    TransformSet ike{encr::kAesGcm16, 128, integ::kNone, prf::kHmacSha256, dh::kCurve25519};
    Prf p = prf_of(ike.prf);
    CHECK(hex(ike_skeyseed(p, v["g^ir"], v["Ni"], v["Nr"])) == hex(v["SKEYSEED"]));
    auto keys = derive_ike_sa_keys(ike, v["g^ir"], v["Ni"], v["Nr"], v["SPIi"], v["SPIr"]);
    REQUIRE(keys);
    CHECK(hex(keys->sk_d) == hex(v["SK_d"]));
    CHECK(keys->sk_ai.empty());
    CHECK(keys->sk_ar.empty());
    CHECK(keys->sk_ei.size() == 20);  // 16-byte key | 4-byte salt
    CHECK(hex(keys->sk_ei) == hex(v["SK_ei"]));
    CHECK(hex(keys->sk_er) == hex(v["SK_er"]));
    CHECK(hex(keys->sk_pi) == hex(v["SK_pi"]));
    CHECK(hex(keys->sk_pr) == hex(v["SK_pr"]));

    TransformSet esp{encr::kAesGcm16, 128};
    auto child = derive_child_sa_keys(p, keys->sk_d.span(), esp, {}, v["Ni"], v["Nr"]);
    REQUIRE(child);
    CHECK(hex(child->ei) + hex(child->er) == hex(v["child_KEYMAT"]));
    CHECK(child->ai.empty());

    auto r = ike_key_test::session_vectors("cert-rekey-vectors.txt");
    SUBCASE("CREATE_CHILD_SA child rekey with PFS: KEYMAT = prf+(SK_d, g^ir | Ni | Nr)") {
        esp.dh = dh::kCurve25519;
        auto c2 = derive_child_sa_keys(p, keys->sk_d.span(), esp, r["child_rekey_g^ir"], r["child_rekey_Ni"],
                                       r["child_rekey_Nr"]);
        REQUIRE(c2);
        CHECK(hex(c2->ei) == hex(r["child_rekey_Ei"]));
        CHECK(hex(c2->er) == hex(r["child_rekey_Er"]));
    }
    SUBCASE("IKE SA rekey: SKEYSEED' = prf(SK_d(old), g^ir | Ni | Nr), new SPIs") {
        CHECK(hex(rekey_skeyseed(p, keys->sk_d.span(), r["ike_rekey_g^ir"], r["ike_rekey_Ni"], r["ike_rekey_Nr"])) ==
              hex(r["ike_rekey_SKEYSEED"]));
        auto k2 = derive_rekeyed_ike_sa_keys(p, keys->sk_d.span(), ike, r["ike_rekey_g^ir"], r["ike_rekey_Ni"],
                                             r["ike_rekey_Nr"], r["ike_rekey_SPIi"], r["ike_rekey_SPIr"]);
        REQUIRE(k2);
        CHECK(hex(k2->sk_d) == hex(r["ike_rekey_SK_d"]));
        CHECK(hex(k2->sk_ei) == hex(r["ike_rekey_SK_ei"]));
        CHECK(hex(k2->sk_er) == hex(r["ike_rekey_SK_er"]));
        CHECK(hex(k2->sk_pi) == hex(r["ike_rekey_SK_pi"]));
        CHECK(hex(k2->sk_pr) == hex(r["ike_rekey_SK_pr"]));

        TransformSet other = ike;
        other.prf = prf::kHmacSha384;
        auto refused = derive_rekeyed_ike_sa_keys(p, keys->sk_d.span(), other, r["ike_rekey_g^ir"],
                                                  r["ike_rekey_Ni"], r["ike_rekey_Nr"], r["ike_rekey_SPIi"],
                                                  r["ike_rekey_SPIr"]);
        CHECK_FALSE(refused);
    }
}

TEST_CASE("key schedule: bad transform sets and SPIs are errors, not crashes") {
    Blob gir(32, 1), n(32, 2), spi(8, 3);
    CHECK_FALSE(derive_ike_sa_keys({encr::kAesCbc, 0, integ::kHmacSha256_128, prf::kHmacSha256}, gir, n, n, spi, spi));
    CHECK_FALSE(derive_ike_sa_keys({encr::kAesCbc, 128, integ::kNone, prf::kHmacSha256}, gir, n, n, spi, spi));
    CHECK_FALSE(
        derive_ike_sa_keys({encr::kAesGcm16, 128, integ::kHmacSha1_96, prf::kHmacSha256}, gir, n, n, spi, spi));
    CHECK_FALSE(derive_ike_sa_keys({encr::kAesCbc, 128, integ::kHmacSha1_96, 99}, gir, n, n, spi, spi));
    CHECK_FALSE(derive_ike_sa_keys({encr::kNull, 0, integ::kHmacSha1_96, prf::kHmacSha256}, gir, n, n, spi, spi));
    auto short_spi = derive_ike_sa_keys({encr::kAesCbc, 128, integ::kHmacSha1_96, prf::kHmacSha1}, gir, n, n,
                                        vpn::Bytes(spi).first(4), spi);
    REQUIRE_FALSE(short_spi);
    CHECK(short_spi.error() == "IKE SPIs must be 8 bytes");
    Prf p = prf_of(prf::kHmacSha1);
    CHECK_FALSE(derive_child_sa_keys(p, n, {encr::kAesCtr, 100, integ::kHmacSha1_96}, {}, n, n));
    // ENCR_NULL is fine for ESP.
    auto null_esp = derive_child_sa_keys(p, n, {encr::kNull, 0, integ::kHmacSha256_128}, {}, n, n);
    REQUIRE(null_esp);
    CHECK(null_esp->ei.empty());
    CHECK(null_esp->ai.size() == 32);
}

TEST_CASE("transform sizes: salt in the key of GCM, CTR and ChaCha20-Poly1305") {
    auto gcm = key_sizes({encr::kAesGcm16, 256}, false);
    REQUIRE(gcm);
    CHECK(gcm->encr_key == 36);
    CHECK(gcm->iv == 8);
    CHECK(gcm->icv == 16);
    CHECK(gcm->aead);
    auto gcm8 = encr_spec(encr::kAesGcm8, 128);
    REQUIRE(gcm8);
    CHECK(gcm8->icv_len == 8);
    CHECK(gcm8->name == "AES_GCM_8_128");
    auto chacha = key_sizes({encr::kChaCha20Poly1305, 0}, false);
    REQUIRE(chacha);
    CHECK(chacha->encr_key == 36);
    auto ctr = encr_spec(encr::kAesCtr, 192);
    REQUIRE(ctr);
    CHECK(ctr->key_len == 28);
    auto cbc = key_sizes({encr::kAesCbc, 128, integ::kHmacSha512_256, prf::kHmacSha512}, true);
    REQUIRE(cbc);
    CHECK(cbc->encr_key == 16);
    CHECK(cbc->integ_key == 64);
    CHECK(cbc->icv == 32);
    CHECK(cbc->prf_key == 64);
    CHECK(cbc->iv == 16);
    auto des = key_sizes({encr::k3Des, 0, integ::kHmacSha1_96}, false);
    REQUIRE(des);
    CHECK(des->encr_key == 24);
    CHECK(des->icv == 12);
    CHECK_FALSE(encr_spec(encr::k3Des, 128));
    CHECK_FALSE(encr_spec(encr::kAesCbc, 0));
    CHECK_FALSE(integ_spec(integ::kNone));
}
