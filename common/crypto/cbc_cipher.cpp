#include "common/crypto/cbc_cipher.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <climits>
#include <utility>

namespace vpn::crypto {

CbcCipher::CbcCipher(const CipherAlgorithm& alg, Bytes key, bool encrypt) {
    if (!alg.is_cbc()) throw CryptoError("Cipher '" + alg.name() + "' is not a CBC cipher");
    if (key.size() < static_cast<std::size_t>(alg.key_length()))
        throw CryptoError("Cipher '" + alg.name() + "': key too short");
    ctx_ = EVP_CIPHER_CTX_new();
    if (!ctx_) throw CryptoError("EVP_CIPHER_CTX_new failed");
    block_ = alg.block_size();
    iv_len_ = alg.iv_length();
    // Fix the key length first (variable-length ciphers such as BF take the
    // algorithm's default, 16 bytes, as OpenVPN does), then install the key once.
    if (EVP_CipherInit_ex(ctx_, alg.evp(), nullptr, nullptr, nullptr, encrypt ? 1 : 0) != 1 ||
        EVP_CIPHER_CTX_set_key_length(ctx_, alg.key_length()) != 1 ||
        EVP_CipherInit_ex(ctx_, nullptr, nullptr, key.data(), nullptr, -1) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx_, 0) != 1) {
        EVP_CIPHER_CTX_free(ctx_);
        ctx_ = nullptr;
        ERR_clear_error();
        throw CryptoError("Cipher '" + alg.name() + "': key setup failed");
    }
}

CbcCipher::~CbcCipher() { EVP_CIPHER_CTX_free(ctx_); }  // frees and wipes the key schedule

CbcCipher::CbcCipher(CbcCipher&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)), block_(other.block_), iv_len_(other.iv_len_) {}

CbcCipher& CbcCipher::operator=(CbcCipher&& other) noexcept {
    if (this != &other) {
        EVP_CIPHER_CTX_free(ctx_);
        ctx_ = std::exchange(other.ctx_, nullptr);
        block_ = other.block_;
        iv_len_ = other.iv_len_;
    }
    return *this;
}

bool CbcCipher::run(const std::uint8_t* iv, const std::uint8_t* in, std::size_t len,
                    std::uint8_t* out) {
    if (!ctx_ || len == 0 || len % static_cast<std::size_t>(block_) != 0 || len > INT_MAX / 2)
        return false;
    int outl = 0;
    // Key stays installed; only the IV (and the chaining state) is reset.
    if (EVP_CipherInit_ex(ctx_, nullptr, nullptr, nullptr, iv, -1) != 1 ||
        EVP_CipherUpdate(ctx_, out, &outl, in, static_cast<int>(len)) != 1 ||
        static_cast<std::size_t>(outl) != len) {
        ERR_clear_error();
        return false;
    }
    return true;
}

}  // namespace vpn::crypto
