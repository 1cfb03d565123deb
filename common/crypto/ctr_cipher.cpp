#include "common/crypto/ctr_cipher.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <climits>
#include <utility>

#include "common/crypto/algorithms.hpp"

namespace vpn::crypto {
namespace {

EVP_CIPHER* aes_256_ctr() {
    // Fetched once for the process; EVP_CIPHER objects are immutable and shareable.
    static EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr);
    return c;
}

}  // namespace

CtrCipher::CtrCipher(Bytes key) {
    if (key.size() < kKeyLength) throw CryptoError("AES-256-CTR: key too short");
    EVP_CIPHER* alg = aes_256_ctr();
    if (!alg || !(ctx_ = EVP_CIPHER_CTX_new())) {
        ERR_clear_error();
        throw CryptoError("AES-256-CTR is not available from OpenSSL");
    }
    if (EVP_EncryptInit_ex(ctx_, alg, nullptr, key.data(), nullptr) != 1) {
        EVP_CIPHER_CTX_free(ctx_);
        ctx_ = nullptr;
        ERR_clear_error();
        throw CryptoError("AES-256-CTR: key setup failed");
    }
}

CtrCipher::~CtrCipher() { EVP_CIPHER_CTX_free(ctx_); }  // frees and wipes the key schedule

CtrCipher::CtrCipher(CtrCipher&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}

CtrCipher& CtrCipher::operator=(CtrCipher&& other) noexcept {
    if (this != &other) {
        EVP_CIPHER_CTX_free(ctx_);
        ctx_ = std::exchange(other.ctx_, nullptr);
    }
    return *this;
}

bool CtrCipher::run(const std::uint8_t* iv, const std::uint8_t* in, std::size_t len,
                    std::uint8_t* out) {
    if (!ctx_ || len > INT_MAX / 2) return false;
    int outl = 0;
    // Re-init with only the IV: the key schedule stays, the counter restarts.
    if (EVP_EncryptInit_ex(ctx_, nullptr, nullptr, nullptr, iv) != 1) {
        ERR_clear_error();
        return false;
    }
    if (len == 0) return true;
    if (EVP_EncryptUpdate(ctx_, out, &outl, in, static_cast<int>(len)) != 1 ||
        static_cast<std::size_t>(outl) != len) {
        ERR_clear_error();
        return false;
    }
    return true;
}

}  // namespace vpn::crypto
