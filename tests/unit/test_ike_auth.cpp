// AUTH payloads (ipsec/ike/auth_octets.hpp, auth_psk.hpp, auth_signature.hpp,
// signature_scheme.hpp): the signed octets and PSK AUTH of the strongSwan PSK
// session, the RFC 7427 signatures of the cert session checked with its
// certificates, sign -> verify round trips for every scheme, tampering, and the
// choice of scheme from SIGNATURE_HASH_ALGORITHMS.
#include <doctest/doctest.h>

#include <optional>
#include <vector>

#include "ike_key_vectors.hpp"
#include "ipsec/ike/auth_octets.hpp"
#include "ipsec/ike/auth_psk.hpp"
#include "ipsec/ike/auth_signature.hpp"
#include "ipsec/ike/key_schedule.hpp"
#include "ipsec/ike/signature_scheme.hpp"
#include "pki/key_spec.hpp"
#include "pki/pem_io.hpp"

using namespace vpn::ike;
using ike_key_test::Blob;
using ike_key_test::hex;
using ike_key_test::str;

namespace {

Prf sha256_prf() { return *Prf::from_id(prf::kHmacSha256); }

struct Session {
    ike_key_test::SessionVectors v;
    IkeSaKeys keys;
    SaInitTranscript init() const {
        return {v["ike_sa_init_request"], v["ike_sa_init_response"], v["Ni"], v["Nr"]};
    }
};

Session load(const char* file, const TransformSet& t) {
    Session s{ike_key_test::session_vectors(file), {}};
    auto k = derive_ike_sa_keys(t, s.v["g^ir"], s.v["Ni"], s.v["Nr"], s.v["SPIi"], s.v["SPIr"]);
    REQUIRE(k);
    s.keys = k.take();
    return s;
}

// The AUTH payload body split into method and data.
AuthData auth_of(const Blob& body) {
    REQUIRE(body.size() > 4);
    return {static_cast<AuthMethod>(body[0]), Blob(body.begin() + 4, body.end())};
}

vpn::pki::EvpPkeyPtr public_key(const char* pem_file) {
    auto cert = vpn::pki::parse_cert(ike_key_test::read_text(pem_file), pem_file);
    return vpn::pki::share(X509_get0_pubkey(cert.get()));
}

// Shared across test cases: RSA key generation is slow.
EVP_PKEY* rsa_key() {
    static auto k = vpn::pki::generate_key(vpn::pki::KeySpec::rsa(2048));
    return k.get();
}
EVP_PKEY* ec_key(const char* curve) {
    return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
}

}  // namespace

TEST_CASE("PSK session: signed octets, prf(SK_p, IDx') and both AUTH payloads as strongSwan sent them") {
    auto s = load("psk-session-vectors.txt", {encr::kAesCbc, 256, integ::kHmacSha256_128, prf::kHmacSha256});
    Prf p = sha256_prf();
    const auto& v = s.v;
    Blob secret(v.text.at("PSK").begin() + 1, v.text.at("PSK").end() - 1);  // strip the quotes
    REQUIRE(secret.size() == 23);
    for (auto role : {AuthRole::Initiator, AuthRole::Responder}) {
        std::string who = role == AuthRole::Initiator ? "initiator" : "responder";
        CAPTURE(who);
        const Blob& id = v[who + "_IDx'"];
        const auto& sk_p = role == AuthRole::Initiator ? s.keys.sk_pi : s.keys.sk_pr;
        CHECK(hex(p(sk_p.span(), id)) == hex(v[who + "_prf(SK_p,IDx')"]));
        auto octets = auth_signed_octets(p, s.keys, role, s.init(), id);
        // message | peer nonce | prf(SK_p, IDx')
        const Blob& msg = v[role == AuthRole::Initiator ? "ike_sa_init_request" : "ike_sa_init_response"];
        const Blob& nonce = v[role == AuthRole::Initiator ? "Nr" : "Ni"];
        CHECK(octets.size() == msg.size() + nonce.size() + 32);
        CHECK(hex(octets) == hex(msg) + hex(nonce) + hex(v[who + "_prf(SK_p,IDx')"]));

        AuthData expected = auth_of(v[who + "_AUTH_payload_body"]);
        CHECK(expected.method == AuthMethod::SharedKey);
        AuthData ours{AuthMethod::SharedKey, {}};
        auto mac = psk_auth_data(p, secret, octets);
        ours.data.assign(mac.span().begin(), mac.span().end());
        CHECK(hex(ours.payload_body()) == hex(v[who + "_AUTH_payload_body"]));
        CHECK(psk_auth_verify(p, secret, octets, expected.data));

        // Wrong secret, wrong octets, truncated or extended data: refused.
        Blob wrong = secret;
        wrong.back() ^= 1;
        CHECK_FALSE(psk_auth_verify(p, wrong, octets, expected.data));
        auto other = octets;
        other[0] ^= 1;
        CHECK_FALSE(psk_auth_verify(p, secret, other, expected.data));
        CHECK_FALSE(psk_auth_verify(p, secret, octets, vpn::Bytes(expected.data).first(31)));
        Blob longer = expected.data;
        longer.push_back(0);
        CHECK_FALSE(psk_auth_verify(p, secret, octets, longer));
    }
    // The roles are not interchangeable: the responder's octets use Ni and SK_pr.
    auto i = auth_signed_octets(p, s.keys, AuthRole::Initiator, s.init(), v["initiator_IDx'"]);
    auto r = auth_signed_octets(p, s.keys, AuthRole::Responder, s.init(), v["initiator_IDx'"]);
    CHECK(i != r);
}

TEST_CASE("cert session: the captured RFC 7427 signatures verify with the session's certificates") {
    auto s = load("cert-session-vectors.txt", {encr::kAesGcm16, 128, integ::kNone, prf::kHmacSha256});
    Prf p = sha256_prf();
    const auto& v = s.v;
    auto rw = public_key("rwCert.pem");  // initiator, ECDSA P-256
    auto gw = public_key("gwCert.pem");  // responder, RSA 2048
    auto oct_i = auth_signed_octets(p, s.keys, AuthRole::Initiator, s.init(), v["initiator_IDx'"]);
    auto oct_r = auth_signed_octets(p, s.keys, AuthRole::Responder, s.init(), v["responder_IDx'"]);
    CHECK(oct_i.size() == 296);  // as strongSwan logged "octets = message + nonce + prf(Sk_px, IDx')"
    CHECK(oct_r.size() == 329);
    CHECK(hex(p(s.keys.sk_pi.span(), v["initiator_IDx'"])) == hex(v["initiator_prf(SK_p,IDx')"]));
    CHECK(hex(p(s.keys.sk_pr.span(), v["responder_IDx'"])) == hex(v["responder_prf(SK_p,IDx')"]));

    AuthData ai = auth_of(v["initiator_AUTH_payload_body"]);
    AuthData ar = auth_of(v["responder_AUTH_payload_body"]);
    REQUIRE(ai.method == AuthMethod::DigitalSignature);
    // The AlgorithmIdentifiers strongSwan sent are the ones we send.
    CHECK(hex(vpn::Bytes(ai.data).subspan(1, ai.data[0])) == hex(algorithm_identifier(SignatureScheme::EcdsaSha256)));
    CHECK(hex(vpn::Bytes(ar.data).subspan(1, ar.data[0])) ==
          hex(algorithm_identifier(SignatureScheme::RsaPkcs1Sha256)));

    auto vi = verify_auth(ai.method, ai.data, oct_i, rw.get());
    REQUIRE_MESSAGE(vi, vi.error());
    CHECK(*vi == SignatureScheme::EcdsaSha256);
    auto vr = verify_auth(ar.method, ar.data, oct_r, gw.get());
    REQUIRE_MESSAGE(vr, vr.error());
    CHECK(*vr == SignatureScheme::RsaPkcs1Sha256);

    // Crossed keys, crossed octets, a flipped signature bit: refused.
    auto crossed = verify_auth(ai.method, ai.data, oct_i, gw.get());
    CHECK_FALSE(crossed);
    CHECK(crossed.error() == "ECDSA_WITH_SHA256_DER cannot be used with an RSA key");
    CHECK_FALSE(verify_auth(ar.method, ar.data, oct_r, rw.get()));
    CHECK_FALSE(verify_auth(ai.method, ai.data, oct_r, rw.get()));
    Blob bad = ar.data;
    bad.back() ^= 1;
    CHECK_FALSE(verify_auth(ar.method, bad, oct_r, gw.get()));
    // Truncated AlgorithmIdentifier / length byte beyond the data.
    CHECK_FALSE(verify_auth(ai.method, vpn::Bytes(ai.data).first(8), oct_i, rw.get()));
    CHECK_FALSE(verify_auth(ai.method, Blob{0xff, 0x30}, oct_i, rw.get()));
    CHECK_FALSE(verify_auth(ai.method, Blob{}, oct_i, rw.get()));
}

TEST_CASE("sign -> verify round trips for every scheme; tampered data and wrong keys refused") {
    vpn::pki::EvpPkeyPtr p256(ec_key("P-256")), p384(ec_key("P-384")), p521(ec_key("P-521"));
    REQUIRE(p256);
    const Blob octets(300, 0x5a);
    struct Case {
        SignatureScheme scheme;
        EVP_PKEY* key;
        AuthMethod method;
    };
    const Case cases[] = {
        {SignatureScheme::RsaSha1, rsa_key(), AuthMethod::Rsa},
        {SignatureScheme::EcdsaP256Sha256, p256.get(), AuthMethod::EcdsaP256},
        {SignatureScheme::EcdsaP384Sha384, p384.get(), AuthMethod::EcdsaP384},
        {SignatureScheme::EcdsaP521Sha512, p521.get(), AuthMethod::EcdsaP521},
        {SignatureScheme::RsaPkcs1Sha256, rsa_key(), AuthMethod::DigitalSignature},
        {SignatureScheme::RsaPkcs1Sha384, rsa_key(), AuthMethod::DigitalSignature},
        {SignatureScheme::RsaPkcs1Sha512, rsa_key(), AuthMethod::DigitalSignature},
        {SignatureScheme::RsaPssSha256, rsa_key(), AuthMethod::DigitalSignature},
        {SignatureScheme::RsaPssSha384, rsa_key(), AuthMethod::DigitalSignature},
        {SignatureScheme::RsaPssSha512, rsa_key(), AuthMethod::DigitalSignature},
        {SignatureScheme::EcdsaSha256, p256.get(), AuthMethod::DigitalSignature},
        {SignatureScheme::EcdsaSha384, p256.get(), AuthMethod::DigitalSignature},
        {SignatureScheme::EcdsaSha512, p384.get(), AuthMethod::DigitalSignature},
    };
    for (const auto& c : cases) {
        CAPTURE(scheme_name(c.scheme));
        auto a = sign_auth(c.scheme, c.key, octets);
        REQUIRE_MESSAGE(a, a.error());
        CHECK(a->method == c.method);
        CHECK(auth_method(c.scheme) == c.method);
        if (c.method == AuthMethod::EcdsaP256) CHECK(a->data.size() == 64);
        if (c.method == AuthMethod::EcdsaP521) CHECK(a->data.size() == 132);
        if (c.method == AuthMethod::Rsa) CHECK(a->data.size() == 256);
        if (c.method == AuthMethod::DigitalSignature) {
            auto alg = algorithm_identifier(c.scheme);
            REQUIRE(a->data[0] == alg.size());
            CHECK(hex(vpn::Bytes(a->data).subspan(1, alg.size())) == hex(alg));
        }
        auto ok = verify_auth(a->method, a->data, octets, c.key);
        REQUIRE_MESSAGE(ok, ok.error());
        CHECK(*ok == c.scheme);

        Blob tampered = octets;
        tampered[123] ^= 0x10;
        CHECK_FALSE(verify_auth(a->method, a->data, tampered, c.key));
        Blob sig = a->data;
        sig.back() ^= 1;
        CHECK_FALSE(verify_auth(a->method, sig, octets, c.key));
        // A key of another type or curve cannot check it.
        EVP_PKEY* other = c.key == rsa_key() ? p256.get() : rsa_key();
        CHECK_FALSE(verify_auth(a->method, a->data, octets, other));
    }
    SUBCASE("keys that do not fit the scheme cannot sign") {
        CHECK_FALSE(sign_auth(SignatureScheme::EcdsaSha256, rsa_key(), octets));
        CHECK_FALSE(sign_auth(SignatureScheme::RsaPkcs1Sha256, p256.get(), octets));
        auto wrong_curve = sign_auth(SignatureScheme::EcdsaP256Sha256, p384.get(), octets);
        CHECK_FALSE(wrong_curve);
        CHECK(wrong_curve.error() == "ECDSA-256 cannot be used with a P-384 key");
    }
    SUBCASE("method 9 with a P-384 public key, raw r|s of the wrong size, PSK method") {
        auto a = sign_auth(SignatureScheme::EcdsaP256Sha256, p256.get(), octets);
        REQUIRE(a);
        CHECK_FALSE(verify_auth(AuthMethod::EcdsaP384, a->data, octets, p256.get()));
        CHECK_FALSE(verify_auth(AuthMethod::EcdsaP256, vpn::Bytes(a->data).first(63), octets, p256.get()));
        CHECK_FALSE(verify_auth(AuthMethod::SharedKey, a->data, octets, p256.get()));
        CHECK_FALSE(verify_auth(static_cast<AuthMethod>(201), a->data, octets, p256.get()));
    }
    SUBCASE("SHA-1 and unknown AlgorithmIdentifiers in method 14 are refused") {
        // sha1WithRSAEncryption, 1.2.840.113549.1.1.5
        Blob sha1rsa{0x0f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00, 1, 2};
        auto r = verify_auth(AuthMethod::DigitalSignature, sha1rsa, octets, rsa_key());
        CHECK_FALSE(r);
        CHECK(r.error() == "SHA-1 signature in AUTH method 14 refused");
        // Ed25519 (1.3.101.112): not supported here.
        Blob ed{0x07, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 1, 2, 3};
        CHECK_FALSE(verify_auth(AuthMethod::DigitalSignature, ed, octets, rsa_key()));
        // ecdsa-with-SHA256 with garbage parameters.
        Blob params{0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x02, 0x00, 1};
        CHECK_FALSE(verify_auth(AuthMethod::DigitalSignature, params, octets, p256.get()));
    }
}

TEST_CASE("scheme choice from the peer's SIGNATURE_HASH_ALGORITHMS") {
    vpn::pki::EvpPkeyPtr p256(ec_key("P-256")), p384(ec_key("P-384")), p521(ec_key("P-521"));
    using List = std::optional<std::vector<std::uint16_t>>;
    const List none, strongswan = std::vector<std::uint16_t>{2, 3, 4, 5}, only512 = std::vector<std::uint16_t>{4},
                     sha1 = std::vector<std::uint16_t>{1};
    auto pick = [](EVP_PKEY* k, const List& l, bool pss = false) {
        auto s = choose_signature_scheme(k, l, pss);
        REQUIRE_MESSAGE(s, s.error());
        return *s;
    };
    CHECK(pick(rsa_key(), none) == SignatureScheme::RsaSha1);
    CHECK(pick(p256.get(), none) == SignatureScheme::EcdsaP256Sha256);
    CHECK(pick(p384.get(), none) == SignatureScheme::EcdsaP384Sha384);
    CHECK(pick(p521.get(), none) == SignatureScheme::EcdsaP521Sha512);
    CHECK(pick(rsa_key(), strongswan) == SignatureScheme::RsaPkcs1Sha256);
    CHECK(pick(rsa_key(), strongswan, true) == SignatureScheme::RsaPssSha256);
    CHECK(pick(rsa_key(), only512) == SignatureScheme::RsaPkcs1Sha512);
    CHECK(pick(p256.get(), strongswan) == SignatureScheme::EcdsaSha256);
    CHECK(pick(p384.get(), strongswan) == SignatureScheme::EcdsaSha384);
    CHECK(pick(p521.get(), strongswan) == SignatureScheme::EcdsaSha512);
    CHECK(pick(p256.get(), only512) == SignatureScheme::EcdsaSha512);
    // No SHA-2 in common: back to the classic method.
    CHECK(pick(rsa_key(), sha1) == SignatureScheme::RsaSha1);
    CHECK(pick(p384.get(), sha1) == SignatureScheme::EcdsaP384Sha384);
    vpn::pki::EvpPkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    CHECK_FALSE(choose_signature_scheme(ed.get(), strongswan));

    CHECK(hex(signature_hash_algorithms_data()) == "000200030004");
    auto parsed = parse_signature_hash_algorithms(Blob{0, 2, 0, 3, 0, 4, 0, 5});
    REQUIRE(parsed);
    CHECK(*parsed == std::vector<std::uint16_t>{2, 3, 4, 5});
    CHECK_FALSE(parse_signature_hash_algorithms(Blob{0, 2, 0}));
    CHECK(parse_signature_hash_algorithms(Blob{})->empty());
}
