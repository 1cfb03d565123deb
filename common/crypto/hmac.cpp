#include "common/crypto/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <utility>

namespace vpn::crypto {
namespace {

EVP_MAC* hmac_algorithm() {
    // Fetched once for the process; EVP_MAC objects are immutable and shareable.
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}

}  // namespace

Hmac::Hmac(const DigestAlgorithm& md, Bytes key) {
    if (md.is_none()) throw CryptoError("HMAC needs a digest");
    size_ = static_cast<std::size_t>(md.size());
    if (key.size() < size_) throw CryptoError("HMAC '" + md.name() + "': key too short");
    EVP_MAC* mac = hmac_algorithm();
    if (!mac || !(ctx_ = EVP_MAC_CTX_new(mac))) {
        ERR_clear_error();
        throw CryptoError("HMAC is not available from OpenSSL");
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(md.evp_name()), 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(ctx_, key.data(), size_, params) != 1 || EVP_MAC_CTX_get_mac_size(ctx_) != size_) {
        EVP_MAC_CTX_free(ctx_);
        ctx_ = nullptr;
        ERR_clear_error();
        throw CryptoError("HMAC '" + md.name() + "': key setup failed");
    }
}

Hmac::~Hmac() { EVP_MAC_CTX_free(ctx_); }

Hmac::Hmac(Hmac&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)), size_(other.size_) {}

Hmac& Hmac::operator=(Hmac&& other) noexcept {
    if (this != &other) {
        EVP_MAC_CTX_free(ctx_);
        ctx_ = std::exchange(other.ctx_, nullptr);
        size_ = other.size_;
    }
    return *this;
}

bool Hmac::compute(Bytes data, std::uint8_t* out) {
    std::size_t outl = 0;
    if (!ctx_ || EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(ctx_, data.data(), data.size()) != 1 ||
        EVP_MAC_final(ctx_, out, &outl, size_) != 1 || outl != size_) {
        ERR_clear_error();
        return false;
    }
    return true;
}

bool Hmac::verify(Bytes data, const std::uint8_t* expected) {
    std::uint8_t local[EVP_MAX_MD_SIZE];
    bool ok = compute(data, local) && CRYPTO_memcmp(local, expected, size_) == 0;
    OPENSSL_cleanse(local, sizeof local);
    return ok;
}

}  // namespace vpn::crypto
