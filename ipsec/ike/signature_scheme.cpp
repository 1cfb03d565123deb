#include "ipsec/ike/signature_scheme.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include <algorithm>
#include <iterator>

namespace vpn::ike {

namespace {

struct SchemeInfo {
    SignatureScheme scheme;
    AuthMethod method;
    const char* digest;
    std::uint16_t hash;
    std::string_view name;
};

// Names as strongSwan's signature_scheme_t prints them, so logs can be compared.
constexpr SchemeInfo kSchemes[] = {
    {SignatureScheme::RsaSha1, AuthMethod::Rsa, "SHA1", hash_alg::kSha1, "RSA_EMSA_PKCS1_SHA1"},
    {SignatureScheme::EcdsaP256Sha256, AuthMethod::EcdsaP256, "SHA2-256", hash_alg::kSha256, "ECDSA-256"},
    {SignatureScheme::EcdsaP384Sha384, AuthMethod::EcdsaP384, "SHA2-384", hash_alg::kSha384, "ECDSA-384"},
    {SignatureScheme::EcdsaP521Sha512, AuthMethod::EcdsaP521, "SHA2-512", hash_alg::kSha512, "ECDSA-521"},
    {SignatureScheme::RsaPkcs1Sha256, AuthMethod::DigitalSignature, "SHA2-256", hash_alg::kSha256,
     "RSA_EMSA_PKCS1_SHA2_256"},
    {SignatureScheme::RsaPkcs1Sha384, AuthMethod::DigitalSignature, "SHA2-384", hash_alg::kSha384,
     "RSA_EMSA_PKCS1_SHA2_384"},
    {SignatureScheme::RsaPkcs1Sha512, AuthMethod::DigitalSignature, "SHA2-512", hash_alg::kSha512,
     "RSA_EMSA_PKCS1_SHA2_512"},
    {SignatureScheme::RsaPssSha256, AuthMethod::DigitalSignature, "SHA2-256", hash_alg::kSha256, "RSA_EMSA_PSS_SHA2_256"},
    {SignatureScheme::RsaPssSha384, AuthMethod::DigitalSignature, "SHA2-384", hash_alg::kSha384, "RSA_EMSA_PSS_SHA2_384"},
    {SignatureScheme::RsaPssSha512, AuthMethod::DigitalSignature, "SHA2-512", hash_alg::kSha512, "RSA_EMSA_PSS_SHA2_512"},
    {SignatureScheme::EcdsaSha256, AuthMethod::DigitalSignature, "SHA2-256", hash_alg::kSha256, "ECDSA_WITH_SHA256_DER"},
    {SignatureScheme::EcdsaSha384, AuthMethod::DigitalSignature, "SHA2-384", hash_alg::kSha384, "ECDSA_WITH_SHA384_DER"},
    {SignatureScheme::EcdsaSha512, AuthMethod::DigitalSignature, "SHA2-512", hash_alg::kSha512, "ECDSA_WITH_SHA512_DER"},
};

// info() indexes the table by enum value.
constexpr bool table_in_enum_order() {
    for (std::size_t i = 0; i < std::size(kSchemes); ++i)
        if (static_cast<std::size_t>(kSchemes[i].scheme) != i) return false;
    return true;
}
static_assert(table_in_enum_order());

const SchemeInfo& info(SignatureScheme s) { return kSchemes[static_cast<std::size_t>(s)]; }

bool offered(const std::vector<std::uint16_t>& list, std::uint16_t h) {
    return std::find(list.begin(), list.end(), h) != list.end();
}

}  // namespace

AuthMethod auth_method(SignatureScheme s) { return info(s).method; }
std::string_view scheme_name(SignatureScheme s) { return info(s).name; }
const char* scheme_digest(SignatureScheme s) { return info(s).digest; }
std::uint16_t scheme_hash_alg(SignatureScheme s) { return info(s).hash; }

KeyKind key_kind(EVP_PKEY* key) {
    if (!key) return KeyKind::Unsupported;
    if (EVP_PKEY_is_a(key, "RSA")) return KeyKind::Rsa;
    if (!EVP_PKEY_is_a(key, "EC")) return KeyKind::Unsupported;
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
        ERR_clear_error();
        return KeyKind::Unsupported;
    }
    // OpenSSL reports the short name ("prime256v1"); NIST names are accepted too.
    int nid = OBJ_sn2nid(group);
    if (nid == NID_undef) nid = EC_curve_nist2nid(group);
    switch (nid) {
    case NID_X9_62_prime256v1: return KeyKind::EcP256;
    case NID_secp384r1: return KeyKind::EcP384;
    case NID_secp521r1: return KeyKind::EcP521;
    default: return KeyKind::Unsupported;
    }
}

Outcome<SignatureScheme> choose_signature_scheme(EVP_PKEY* key,
                                                 const std::optional<std::vector<std::uint16_t>>& peer_hashes,
                                                 bool prefer_pss) {
    KeyKind kind = key_kind(key);
    if (kind == KeyKind::Unsupported) return Failure{"private key is neither RSA nor ECDSA on P-256/384/521"};
    SignatureScheme classic = kind == KeyKind::Rsa      ? SignatureScheme::RsaSha1
                              : kind == KeyKind::EcP256 ? SignatureScheme::EcdsaP256Sha256
                              : kind == KeyKind::EcP384 ? SignatureScheme::EcdsaP384Sha384
                                                        : SignatureScheme::EcdsaP521Sha512;
    if (!peer_hashes) return classic;
    const auto& list = *peer_hashes;
    if (kind == KeyKind::Rsa) {
        const SignatureScheme pkcs1[] = {SignatureScheme::RsaPkcs1Sha256, SignatureScheme::RsaPkcs1Sha384,
                                         SignatureScheme::RsaPkcs1Sha512};
        const SignatureScheme pss[] = {SignatureScheme::RsaPssSha256, SignatureScheme::RsaPssSha384,
                                       SignatureScheme::RsaPssSha512};
        for (auto s : prefer_pss ? pss : pkcs1)
            if (offered(list, scheme_hash_alg(s))) return s;
        return classic;
    }
    // ECDSA: the hash of the curve's strength first (RFC 5656 §6.2.1 pairing, which
    // is also what methods 9-11 fix), then any other SHA-2.
    SignatureScheme order[3] = {SignatureScheme::EcdsaSha256, SignatureScheme::EcdsaSha384,
                                SignatureScheme::EcdsaSha512};
    if (kind == KeyKind::EcP384) std::swap(order[0], order[1]);
    if (kind == KeyKind::EcP521) std::swap(order[0], order[2]);
    for (auto s : order)
        if (offered(list, scheme_hash_alg(s))) return s;
    return classic;
}

std::vector<std::uint8_t> signature_hash_algorithms_data() {
    return {0, hash_alg::kSha256, 0, hash_alg::kSha384, 0, hash_alg::kSha512};
}

std::optional<std::vector<std::uint16_t>> parse_signature_hash_algorithms(Bytes data) {
    if (data.size() % 2) return std::nullopt;
    std::vector<std::uint16_t> out;
    for (std::size_t i = 0; i < data.size(); i += 2) out.push_back(load_be16(data.data() + i));
    return out;
}

}  // namespace vpn::ike
