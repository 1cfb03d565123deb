#include "ipsec/ike/dh_group.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>

#include "ipsec/ike/ike_constants.hpp"

namespace vpn::ike {

namespace {

enum class Kind { Modp, Ecp, X25519 };

struct GroupInfo {
    std::uint16_t id;
    Kind kind;
    const char* ossl_name;  // OpenSSL group name (DH named group, EC curve short name)
    int nid;                // EC curves only
    std::size_t field;      // bytes of the modulus / one coordinate / the u value
    BIGNUM* (*prime)(BIGNUM*);
    std::string_view name;
};

const GroupInfo kGroups[] = {
    {dh::kModp2048, Kind::Modp, "modp_2048", 0, 256, BN_get_rfc3526_prime_2048, "MODP_2048"},
    {dh::kModp3072, Kind::Modp, "modp_3072", 0, 384, BN_get_rfc3526_prime_3072, "MODP_3072"},
    {dh::kModp4096, Kind::Modp, "modp_4096", 0, 512, BN_get_rfc3526_prime_4096, "MODP_4096"},
    {dh::kEcp256, Kind::Ecp, "prime256v1", NID_X9_62_prime256v1, 32, nullptr, "ECP_256"},
    {dh::kEcp384, Kind::Ecp, "secp384r1", NID_secp384r1, 48, nullptr, "ECP_384"},
    {dh::kEcp521, Kind::Ecp, "secp521r1", NID_secp521r1, 66, nullptr, "ECP_521"},
    {dh::kCurve25519, Kind::X25519, "X25519", 0, 32, nullptr, "CURVE_25519"},
};

const GroupInfo* find(std::uint16_t id) {
    for (const auto& g : kGroups)
        if (g.id == id) return &g;
    return nullptr;
}

struct Free {
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
    void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
    void operator()(BN_CTX* p) const { BN_CTX_free(p); }
    void operator()(EC_GROUP* p) const { EC_GROUP_free(p); }
    void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;
// Private values are wiped when freed.
struct SecretBnFree {
    void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
using SecretBn = std::unique_ptr<BIGNUM, SecretBnFree>;

Failure openssl_failure(const std::string& what) {
    ERR_clear_error();
    return Failure{what};
}

bool bn_to_fixed(const BIGNUM* bn, std::size_t len, std::uint8_t* out) {
    return bn && BN_bn2binpad(bn, out, static_cast<int>(len)) == static_cast<int>(len);
}

// Our public value in wire form.
std::optional<std::vector<std::uint8_t>> encode_public(const GroupInfo& g, EVP_PKEY* key) {
    std::vector<std::uint8_t> out;
    if (g.kind == Kind::X25519) {
        out.resize(g.field);
        std::size_t len = out.size();
        if (EVP_PKEY_get_raw_public_key(key, out.data(), &len) != 1 || len != g.field) return std::nullopt;
        return out;
    }
    if (g.kind == Kind::Modp) {
        BIGNUM* y = nullptr;
        out.resize(g.field);
        bool ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PUB_KEY, &y) == 1 && bn_to_fixed(y, g.field, out.data());
        BN_free(y);
        if (!ok) return std::nullopt;
        return out;
    }
    BIGNUM *x = nullptr, *y = nullptr;
    out.resize(2 * g.field);
    bool ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
              EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 && bn_to_fixed(x, g.field, out.data()) &&
              bn_to_fixed(y, g.field, out.data() + g.field);
    BN_free(x);
    BN_free(y);
    if (!ok) return std::nullopt;
    return out;
}

// An EVP_PKEY from OSSL_PARAMs (`selection`: public key or key pair).
pki::EvpPkeyPtr from_params(const GroupInfo& g, OSSL_PARAM_BLD* bld, int selection) {
    Ptr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
    Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, g.kind == Kind::Modp ? "DH" : "EC", nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1)
        return nullptr;
    return pki::EvpPkeyPtr(key);
}

// The peer's public value as an EVP_PKEY, after the checks of RFC 7296 §3.4 /
// RFC 5903 / RFC 3526 that do not need our key.
Outcome<pki::EvpPkeyPtr> peer_key(const GroupInfo& g, Bytes pub) {
    if (g.kind == Kind::X25519) {
        if (pub.size() != g.field) return Failure{"KE data for Curve25519 must be 32 bytes"};
        pki::EvpPkeyPtr k(EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, pub.data(), pub.size()));
        if (!k) return openssl_failure("invalid Curve25519 public value");
        return k;
    }
    Ptr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    if (!bld) return openssl_failure("out of memory");
    std::vector<std::uint8_t> point;
    pki::BignumPtr y;
    if (g.kind == Kind::Modp) {
        if (pub.size() != g.field)
            return Failure{"KE data for " + std::string(g.name) + " must be " + std::to_string(g.field) + " bytes"};
        // 1 < y < p-1 (RFC 7296 §3.4 via SP 800-56A): rejects 0, 1 and p-1, whose
        // powers are trivial, and values outside the group.
        pki::BignumPtr p(g.prime(nullptr));
        pki::BignumPtr pm1(BN_new());
        y.reset(BN_bin2bn(pub.data(), static_cast<int>(pub.size()), nullptr));
        if (!p || !pm1 || !y || !BN_sub(pm1.get(), p.get(), BN_value_one()))
            return openssl_failure("out of memory");
        if (BN_cmp(y.get(), BN_value_one()) <= 0 || BN_cmp(y.get(), pm1.get()) >= 0)
            return Failure{"MODP public value out of range (must be 1 < y < p-1)"};
        // The builder keeps a pointer to y until from_params() below.
        if (!OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, g.ossl_name, 0) ||
            !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, y.get()))
            return openssl_failure("out of memory");
    } else {
        if (pub.size() != 2 * g.field)
            return Failure{"KE data for " + std::string(g.name) + " must be " + std::to_string(2 * g.field) +
                           " bytes (x | y)"};
        // RFC 5903 §7 drops SEC1's 0x04 prefix; OpenSSL wants it back.
        point.reserve(pub.size() + 1);
        point.push_back(0x04);
        point.insert(point.end(), pub.begin(), pub.end());
        if (!OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, g.ossl_name, 0) ||
            !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
            return openssl_failure("out of memory");
    }
    auto k = from_params(g, bld.get(), EVP_PKEY_PUBLIC_KEY);
    if (!k) return openssl_failure(std::string(g.name) + " public value is not a valid group element");
    // OpenSSL checks the point on decoding; the explicit check also covers the
    // point at infinity and, for MODP, membership of the prime-order subgroup.
    Ptr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, k.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1)
        return openssl_failure(std::string(g.name) + " public value fails validation");
    return k;
}

Outcome<DhKeyPair> unsupported(std::uint16_t group) {
    return Failure{"unsupported Diffie-Hellman group " + std::to_string(group)};
}

}  // namespace

std::optional<std::size_t> dh_public_size(std::uint16_t group) {
    const GroupInfo* g = find(group);
    if (!g) return std::nullopt;
    return g->kind == Kind::Ecp ? 2 * g->field : g->field;
}

std::optional<std::size_t> dh_secret_size(std::uint16_t group) {
    const GroupInfo* g = find(group);
    if (!g) return std::nullopt;
    return g->field;
}

std::string_view dh_group_name(std::uint16_t group) {
    const GroupInfo* g = find(group);
    return g ? g->name : std::string_view{};
}

Outcome<DhKeyPair> DhKeyPair::generate(std::uint16_t group) {
    const GroupInfo* g = find(group);
    if (!g) return unsupported(group);
    EVP_PKEY* key = nullptr;
    if (g->kind == Kind::X25519) {
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
    } else {
        Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, g->kind == Kind::Modp ? "DH" : "EC", nullptr));
        if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_group_name(ctx.get(), g->ossl_name) != 1 ||
            EVP_PKEY_generate(ctx.get(), &key) != 1)
            key = nullptr;
    }
    pki::EvpPkeyPtr owned(key);
    if (!owned) return openssl_failure(std::string(g->name) + ": key generation failed");
    auto pub = encode_public(*g, owned.get());
    if (!pub) return openssl_failure(std::string(g->name) + ": cannot encode the public value");
    return DhKeyPair(group, std::move(owned), std::move(*pub));
}

Outcome<DhKeyPair> DhKeyPair::from_private(std::uint16_t group, Bytes priv) {
    const GroupInfo* g = find(group);
    if (!g) return unsupported(group);
    pki::EvpPkeyPtr key;
    if (g->kind == Kind::X25519) {
        if (priv.size() != 32) return Failure{"X25519 private value must be 32 bytes"};
        key.reset(EVP_PKEY_new_raw_private_key_ex(nullptr, "X25519", nullptr, priv.data(), priv.size()));
    } else {
        SecretBn x(BN_bin2bn(priv.data(), static_cast<int>(priv.size()), nullptr));
        Ptr<BN_CTX> bnctx(BN_CTX_new());
        Ptr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
        if (!x || !bnctx || !bld) return openssl_failure("out of memory");
        // OpenSSL does not derive the public half on import: compute it here.
        pki::BignumPtr y;
        std::vector<std::uint8_t> point;
        if (g->kind == Kind::Modp) {
            pki::BignumPtr p(g->prime(nullptr)), two(BN_new());
            y.reset(BN_new());
            if (!p || !two || !y || !BN_set_word(two.get(), 2) ||
                !BN_mod_exp(y.get(), two.get(), x.get(), p.get(), bnctx.get()))
                return openssl_failure("MODP exponentiation failed");
            if (!OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, y.get()))
                return openssl_failure("out of memory");
        } else {
            Ptr<EC_GROUP> grp(EC_GROUP_new_by_curve_name(g->nid));
            Ptr<EC_POINT> q(grp ? EC_POINT_new(grp.get()) : nullptr);
            if (!q || !EC_POINT_mul(grp.get(), q.get(), x.get(), nullptr, nullptr, bnctx.get()))
                return openssl_failure("EC scalar multiplication failed");
            point.resize(1 + 2 * g->field);
            if (EC_POINT_point2oct(grp.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(), point.size(),
                                   bnctx.get()) != point.size())
                return openssl_failure("EC point encoding failed");
            if (!OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
                return openssl_failure("out of memory");
        }
        if (!OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, g->ossl_name, 0) ||
            !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, x.get()))
            return openssl_failure("out of memory");
        key = from_params(*g, bld.get(), EVP_PKEY_KEYPAIR);
    }
    if (!key) return openssl_failure(std::string(g->name) + ": invalid private value");
    auto pub = encode_public(*g, key.get());
    if (!pub) return openssl_failure(std::string(g->name) + ": cannot encode the public value");
    return DhKeyPair(group, std::move(key), std::move(*pub));
}

Outcome<crypto::SecureBuffer> DhKeyPair::shared_secret(Bytes peer_public) const {
    const GroupInfo* g = find(group_);
    if (!g || !key_) return Failure{"no Diffie-Hellman key"};
    auto peer = peer_key(*g, peer_public);
    if (!peer) return Failure{peer.error()};
    Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) return openssl_failure("key derivation setup failed");
    // g^ir keeps its leading zeros (RFC 7296 §2.14: fixed length); OpenSSL strips
    // them from a DH secret unless told otherwise.
    if (g->kind == Kind::Modp && EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) != 1)
        return openssl_failure("key derivation setup failed");
    if (EVP_PKEY_derive_set_peer(ctx.get(), peer->get()) != 1)
        return openssl_failure(std::string(g->name) + " public value refused");
    std::size_t len = 0;
    if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1 || len != g->field)
        return openssl_failure(std::string(g->name) + ": unexpected secret length");
    crypto::SecureBuffer secret(len);
    if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1 || len != g->field)
        return openssl_failure(std::string(g->name) + ": key derivation failed");
    if (g->kind == Kind::X25519) {
        // RFC 7748 §6.1 / RFC 8031 §2.3: an all-zero result means a small-order
        // peer value.  Checked without early exit (OpenSSL refuses it too).
        std::uint8_t any = 0;
        for (auto b : secret.span()) any |= b;
        if (any == 0) return Failure{"Curve25519 shared secret is all zero (small-order public value)"};
    }
    return secret;
}

}  // namespace vpn::ike
