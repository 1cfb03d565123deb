#include "common/crypto/tls1_prf.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>

#include "common/crypto/algorithms.hpp"

namespace vpn::crypto {
namespace {

struct KdfCtxFree {
    void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};

[[noreturn]] void fail() {
    ERR_clear_error();
    // ssl.c: generate_key_expansion's wording, minus the peer advice the caller adds.
    throw CryptoError("TLS 1.0 PRF calculation failed (MD5+SHA1 not available; FIPS mode?)");
}

}  // namespace

void tls1_prf(Bytes secret, Bytes seed, MutBytes out) {
    if (secret.empty() || seed.empty() || out.empty()) fail();
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
    if (!kdf) fail();
    std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf));
    EVP_KDF_free(kdf);  // the context holds its own reference
    if (!ctx) fail();
    char digest[] = "MD5-SHA1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<std::uint8_t*>(secret.data()), secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, const_cast<std::uint8_t*>(seed.data()), seed.size()),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) fail();
}

}  // namespace vpn::crypto
