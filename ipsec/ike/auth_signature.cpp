#include "ipsec/ike/auth_signature.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace vpn::ike {

namespace {

struct Free {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
    void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
    void operator()(X509_ALGOR* p) const { X509_ALGOR_free(p); }
    void operator()(RSA_PSS_PARAMS* p) const { RSA_PSS_PARAMS_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

using Blob = std::vector<std::uint8_t>;

// RFC 7427 §3 / RFC 4055 / RFC 5758 AlgorithmIdentifiers, DER.  The PKCS#1 ones
// carry a NULL parameter, the ECDSA ones none (as strongSwan sends them: see
// shared/protocol/ikev2-esp.md §1.9); the PSS ones are what OpenSSL writes for
// salt = hash length and MGF1 with the same hash (RFC 7427 Appendix A.4.3 form).
const Blob kRsaSha256{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
const Blob kRsaSha384{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00};
const Blob kRsaSha512{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00};
const Blob kEcdsaSha256{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
const Blob kEcdsaSha384{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
const Blob kEcdsaSha512{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04};

Blob pss_identifier(std::uint8_t hash_oid_last, std::uint8_t salt) {
    // SEQUENCE { id-RSASSA-PSS, SEQUENCE { [0] {hash, NULL}, [1] {id-mgf1, {hash,
    // NULL}}, [2] INTEGER salt } }
    return {0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x34,
            0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, hash_oid_last,
            0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
            0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, hash_oid_last, 0x05,
            0x00, 0xa2, 0x03, 0x02, 0x01, salt};
}

bool is_pss(SignatureScheme s) {
    return s == SignatureScheme::RsaPssSha256 || s == SignatureScheme::RsaPssSha384 ||
           s == SignatureScheme::RsaPssSha512;
}
bool is_rsa(SignatureScheme s) {
    return s == SignatureScheme::RsaSha1 || s == SignatureScheme::RsaPkcs1Sha256 ||
           s == SignatureScheme::RsaPkcs1Sha384 || s == SignatureScheme::RsaPkcs1Sha512 || is_pss(s);
}
// Methods 9/10/11: the curve is fixed by the method, the signature is r | s.
std::optional<KeyKind> raw_ecdsa_curve(SignatureScheme s) {
    switch (s) {
    case SignatureScheme::EcdsaP256Sha256: return KeyKind::EcP256;
    case SignatureScheme::EcdsaP384Sha384: return KeyKind::EcP384;
    case SignatureScheme::EcdsaP521Sha512: return KeyKind::EcP521;
    default: return std::nullopt;
    }
}
std::size_t curve_bytes(KeyKind k) { return k == KeyKind::EcP256 ? 32 : k == KeyKind::EcP384 ? 48 : 66; }

std::string describe(KeyKind k) {
    switch (k) {
    case KeyKind::Rsa: return "an RSA key";
    case KeyKind::EcP256: return "a P-256 key";
    case KeyKind::EcP384: return "a P-384 key";
    case KeyKind::EcP521: return "a P-521 key";
    default: return "an unsupported key";
    }
}

// Can `key` make or check `scheme`?
std::optional<std::string> key_mismatch(SignatureScheme scheme, EVP_PKEY* key) {
    KeyKind kind = key_kind(key);
    bool fits = is_rsa(scheme) ? kind == KeyKind::Rsa
                               : kind != KeyKind::Rsa && kind != KeyKind::Unsupported &&
                                     (!raw_ecdsa_curve(scheme) || *raw_ecdsa_curve(scheme) == kind);
    if (fits) return std::nullopt;
    return std::string(scheme_name(scheme)) + " cannot be used with " + describe(kind);
}

// `salt` >= 0: RSASSA-PSS with that salt length and MGF1 over the same digest.
Ptr<EVP_MD_CTX> digest_ctx(EVP_PKEY* key, const char* md, int salt, bool sign) {
    Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx) return nullptr;
    int rc = sign ? EVP_DigestSignInit_ex(ctx.get(), &pctx, md, nullptr, nullptr, key, nullptr)
                  : EVP_DigestVerifyInit_ex(ctx.get(), &pctx, md, nullptr, nullptr, key, nullptr);
    if (rc != 1) return nullptr;
    if (salt >= 0 && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) != 1 ||
                      EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, nullptr) != 1))
        return nullptr;
    return ctx;
}

std::optional<Blob> raw_sign(EVP_PKEY* key, const char* md, int salt, Bytes octets) {
    auto ctx = digest_ctx(key, md, salt, true);
    std::size_t len = 0;
    if (!ctx || EVP_DigestSign(ctx.get(), nullptr, &len, octets.data(), octets.size()) != 1) return std::nullopt;
    Blob sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, octets.data(), octets.size()) != 1) return std::nullopt;
    sig.resize(len);
    return sig;
}

bool raw_verify(EVP_PKEY* key, const char* md, int salt, Bytes sig, Bytes octets) {
    auto ctx = digest_ctx(key, md, salt, false);
    bool ok = ctx && EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), octets.data(), octets.size()) == 1;
    ERR_clear_error();
    return ok;
}

// RFC 4754 §7: r | s, each left-padded to the curve size, from and to DER.
std::optional<Blob> der_to_rs(Bytes der, std::size_t n) {
    const unsigned char* p = der.data();
    Ptr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig) return std::nullopt;
    Blob out(2 * n);
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), static_cast<int>(n)) != static_cast<int>(n) ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + n, static_cast<int>(n)) != static_cast<int>(n))
        return std::nullopt;
    return out;
}
std::optional<Blob> rs_to_der(Bytes rs) {
    std::size_t n = rs.size() / 2;
    Ptr<ECDSA_SIG> sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(rs.data(), static_cast<int>(n), nullptr);
    BIGNUM* s = BN_bin2bn(rs.data() + n, static_cast<int>(n), nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return std::nullopt;
    }
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(sig.get(), &der);
    if (len <= 0) return std::nullopt;
    Blob out(der, der + len);
    OPENSSL_free(der);
    return out;
}

struct ParsedAlgorithm {
    SignatureScheme scheme;
    int salt = -1;  // PSS only
};

int hash_nid_of(const X509_ALGOR* a) { return a ? OBJ_obj2nid(a->algorithm) : NID_sha1; }

// The RSASSA-PSS-params of RFC 4055 §3.1; only SHA-2 hashes with MGF1 over the
// same hash and the standard trailer are accepted.
Outcome<ParsedAlgorithm> parse_pss(const ASN1_TYPE* param) {
    if (!param || param->type != V_ASN1_SEQUENCE) return Failure{"RSASSA-PSS without parameters"};
    const unsigned char* p = ASN1_STRING_get0_data(param->value.sequence);
    long len = ASN1_STRING_length(param->value.sequence);
    Ptr<RSA_PSS_PARAMS> pss(d2i_RSA_PSS_PARAMS(nullptr, &p, len));
    if (!pss) return Failure{"malformed RSASSA-PSS parameters"};
    int hash = hash_nid_of(pss->hashAlgorithm);
    int mgf_hash = NID_sha1;  // the ASN.1 default
    if (pss->maskGenAlgorithm) {
        if (OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) != NID_mgf1) return Failure{"RSASSA-PSS mask is not MGF1"};
        const ASN1_TYPE* mp = pss->maskGenAlgorithm->parameter;
        if (!mp || mp->type != V_ASN1_SEQUENCE) return Failure{"MGF1 without a hash"};
        const unsigned char* q = ASN1_STRING_get0_data(mp->value.sequence);
        Ptr<X509_ALGOR> mh(d2i_X509_ALGOR(nullptr, &q, ASN1_STRING_length(mp->value.sequence)));
        if (!mh) return Failure{"malformed MGF1 hash"};
        mgf_hash = OBJ_obj2nid(mh->algorithm);
    }
    if (mgf_hash != hash) return Failure{"RSASSA-PSS with different signature and MGF1 hashes"};
    if (pss->trailerField && ASN1_INTEGER_get(pss->trailerField) != 1) return Failure{"RSASSA-PSS trailer field not 1"};
    long salt = pss->saltLength ? ASN1_INTEGER_get(pss->saltLength) : 20;
    if (salt < 0 || salt > 1024) return Failure{"RSASSA-PSS salt length out of range"};
    switch (hash) {
    case NID_sha256: return ParsedAlgorithm{SignatureScheme::RsaPssSha256, static_cast<int>(salt)};
    case NID_sha384: return ParsedAlgorithm{SignatureScheme::RsaPssSha384, static_cast<int>(salt)};
    case NID_sha512: return ParsedAlgorithm{SignatureScheme::RsaPssSha512, static_cast<int>(salt)};
    default: return Failure{"RSASSA-PSS hash is not SHA-2"};
    }
}

Outcome<ParsedAlgorithm> parse_algorithm_identifier(Bytes der) {
    const unsigned char* p = der.data();
    Ptr<X509_ALGOR> alg(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(der.size())));
    ERR_clear_error();
    if (!alg || p != der.data() + der.size()) return Failure{"malformed AlgorithmIdentifier"};
    int ptype = alg->parameter ? alg->parameter->type : V_ASN1_UNDEF;
    // RFC 4055 §5 / RFC 5758 §3.2: NULL for PKCS#1 (absent tolerated), absent for ECDSA.
    bool null_or_absent = ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL;
    auto plain = [&](SignatureScheme s) -> Outcome<ParsedAlgorithm> {
        if (!null_or_absent) return Failure{"unexpected AlgorithmIdentifier parameters"};
        return ParsedAlgorithm{s};
    };
    int nid = OBJ_obj2nid(alg->algorithm);
    switch (nid) {
    case NID_sha256WithRSAEncryption: return plain(SignatureScheme::RsaPkcs1Sha256);
    case NID_sha384WithRSAEncryption: return plain(SignatureScheme::RsaPkcs1Sha384);
    case NID_sha512WithRSAEncryption: return plain(SignatureScheme::RsaPkcs1Sha512);
    case NID_ecdsa_with_SHA256: return plain(SignatureScheme::EcdsaSha256);
    case NID_ecdsa_with_SHA384: return plain(SignatureScheme::EcdsaSha384);
    case NID_ecdsa_with_SHA512: return plain(SignatureScheme::EcdsaSha512);
    case NID_rsassaPss: return parse_pss(alg->parameter);
    case NID_sha1WithRSAEncryption:
    case NID_ecdsa_with_SHA1:
        // RFC 8247 §3.2: SHA-1 MUST NOT be used in Digital Signature AUTH.
        return Failure{"SHA-1 signature in AUTH method 14 refused"};
    default: {
        char oid[80] = {};
        OBJ_obj2txt(oid, sizeof oid, alg->algorithm, 1);
        return Failure{"unsupported signature algorithm " + std::string(oid)};
    }
    }
}

}  // namespace

std::vector<std::uint8_t> AuthData::payload_body() const {
    std::vector<std::uint8_t> b(4 + data.size(), 0);
    b[0] = static_cast<std::uint8_t>(method);
    std::copy(data.begin(), data.end(), b.begin() + 4);
    return b;
}

std::vector<std::uint8_t> algorithm_identifier(SignatureScheme s) {
    switch (s) {
    case SignatureScheme::RsaPkcs1Sha256: return kRsaSha256;
    case SignatureScheme::RsaPkcs1Sha384: return kRsaSha384;
    case SignatureScheme::RsaPkcs1Sha512: return kRsaSha512;
    case SignatureScheme::RsaPssSha256: return pss_identifier(0x01, 32);
    case SignatureScheme::RsaPssSha384: return pss_identifier(0x02, 48);
    case SignatureScheme::RsaPssSha512: return pss_identifier(0x03, 64);
    case SignatureScheme::EcdsaSha256: return kEcdsaSha256;
    case SignatureScheme::EcdsaSha384: return kEcdsaSha384;
    case SignatureScheme::EcdsaSha512: return kEcdsaSha512;
    default: return {};
    }
}

Outcome<AuthData> sign_auth(SignatureScheme scheme, EVP_PKEY* key, Bytes octets) {
    if (auto why = key_mismatch(scheme, key)) return Failure{*why};
    const char* md = scheme_digest(scheme);
    int salt = -1;
    if (is_pss(scheme)) {
        auto h = EVP_MD_fetch(nullptr, md, nullptr);
        salt = h ? EVP_MD_get_size(h) : -1;
        EVP_MD_free(h);
        if (salt <= 0) return Failure{"digest " + std::string(md) + " unavailable"};
    }
    auto sig = raw_sign(key, md, salt, octets);
    if (!sig) {
        ERR_clear_error();
        return Failure{std::string(scheme_name(scheme)) + ": signing failed"};
    }
    AuthData out{auth_method(scheme), {}};
    if (auto curve = raw_ecdsa_curve(scheme)) {
        auto rs = der_to_rs(*sig, curve_bytes(*curve));
        if (!rs) return Failure{"cannot convert the ECDSA signature to r | s"};
        out.data = std::move(*rs);
    } else if (out.method == AuthMethod::DigitalSignature) {
        Blob alg = algorithm_identifier(scheme);
        out.data.reserve(1 + alg.size() + sig->size());
        out.data.push_back(static_cast<std::uint8_t>(alg.size()));
        out.data.insert(out.data.end(), alg.begin(), alg.end());
        out.data.insert(out.data.end(), sig->begin(), sig->end());
    } else {
        out.data = std::move(*sig);
    }
    return out;
}

Outcome<SignatureScheme> verify_auth(AuthMethod method, Bytes data, Bytes octets, EVP_PKEY* peer_key) {
    ParsedAlgorithm alg{SignatureScheme::RsaSha1};
    Bytes sig = data;
    switch (method) {
    case AuthMethod::Rsa: alg.scheme = SignatureScheme::RsaSha1; break;
    case AuthMethod::EcdsaP256: alg.scheme = SignatureScheme::EcdsaP256Sha256; break;
    case AuthMethod::EcdsaP384: alg.scheme = SignatureScheme::EcdsaP384Sha384; break;
    case AuthMethod::EcdsaP521: alg.scheme = SignatureScheme::EcdsaP521Sha512; break;
    case AuthMethod::DigitalSignature: {
        // RFC 7427 §3: one length byte, the AlgorithmIdentifier, the signature.
        if (data.empty() || data.size() < 1u + data[0]) return Failure{"AUTH data shorter than its AlgorithmIdentifier"};
        auto parsed = parse_algorithm_identifier(data.subspan(1, data[0]));
        if (!parsed) return Failure{parsed.error()};
        alg = *parsed;
        sig = data.subspan(1u + data[0]);
        break;
    }
    default:
        return Failure{"AUTH method " + std::to_string(static_cast<int>(method)) + " is not a signature"};
    }
    if (auto why = key_mismatch(alg.scheme, peer_key)) return Failure{*why};
    if (sig.empty()) return Failure{"empty signature"};
    Blob der;
    if (auto curve = raw_ecdsa_curve(alg.scheme)) {
        if (sig.size() != 2 * curve_bytes(*curve))
            return Failure{std::string(scheme_name(alg.scheme)) + " signature must be r | s of " +
                           std::to_string(2 * curve_bytes(*curve)) + " bytes"};
        auto d = rs_to_der(sig);
        if (!d) return Failure{"cannot decode r | s"};
        der = std::move(*d);
        sig = der;
    }
    if (!raw_verify(peer_key, scheme_digest(alg.scheme), alg.salt, sig, octets))
        return Failure{std::string(scheme_name(alg.scheme)) + " signature does not verify"};
    return alg.scheme;
}

}  // namespace vpn::ike
