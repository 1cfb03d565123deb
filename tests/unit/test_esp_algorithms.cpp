// ESP algorithm tables (IKEv2 transform IDs, setkey names), sizes, forbidden
// combinations, key-length checks and the child KEYMAT split Ei|Ai|Er|Ar.
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
