#include "common/crypto/aead_cipher.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <climits>
#include <cstring>
#include <utility>

namespace vpn::crypto {

bool is_openvpn_aead(const CipherAlgorithm& alg) {
    if (alg.is_none()) return false;
    // crypto_openssl.c: cipher_kt_mode_aead -- GCM mode or the ChaCha20-Poly1305 NID.
    return EVP_CIPHER_get_mode(alg.evp()) == EVP_CIPH_GCM_MODE ||
           EVP_CIPHER_get_nid(alg.evp()) == NID_chacha20_poly1305;
}

AeadCipher::AeadCipher(const CipherAlgorithm& alg, Bytes key, bool encrypt) : encrypt_(encrypt) {
    if (!is_openvpn_aead(alg)) throw CryptoError("Cipher '" + alg.name() + "' is not a GCM or ChaCha20-Poly1305 cipher");
    // OpenVPN's nonce is packet id (4) | implicit IV (8) (ssl.c: key_ctx_update_implicit_iv).
    if (alg.iv_length() != static_cast<int>(kNonceLen))
        throw CryptoError("Cipher '" + alg.name() + "': unsupported IV length");
    if (key.size() < static_cast<std::size_t>(alg.key_length()))
        throw CryptoError("Cipher '" + alg.name() + "': key too short");
    ctx_ = EVP_CIPHER_CTX_new();
    if (!ctx_) throw CryptoError("EVP_CIPHER_CTX_new failed");
    if (EVP_CipherInit_ex(ctx_, alg.evp(), nullptr, nullptr, nullptr, encrypt ? 1 : 0) != 1 ||
        EVP_CipherInit_ex(ctx_, nullptr, nullptr, key.data(), nullptr, -1) != 1) {
        EVP_CIPHER_CTX_free(ctx_);
        ctx_ = nullptr;
        ERR_clear_error();
        throw CryptoError("Cipher '" + alg.name() + "': key setup failed");
    }
}

AeadCipher::~AeadCipher() { EVP_CIPHER_CTX_free(ctx_); }  // frees and wipes the key schedule

AeadCipher::AeadCipher(AeadCipher&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)), encrypt_(other.encrypt_) {}

AeadCipher& AeadCipher::operator=(AeadCipher&& other) noexcept {
    if (this != &other) {
        EVP_CIPHER_CTX_free(ctx_);
        ctx_ = std::exchange(other.ctx_, nullptr);
        encrypt_ = other.encrypt_;
    }
    return *this;
}

bool AeadCipher::seal(const std::uint8_t* nonce, Bytes aad, const std::uint8_t* in, std::size_t len,
                      std::uint8_t* out, std::uint8_t* tag) {
    if (!ctx_ || !encrypt_ || len > INT_MAX / 2 || aad.size() > INT_MAX / 2) return false;
    int outl = 0, finl = 0;
    // The key stays installed; re-initialising with only the nonce resets the mode state.
    const bool ok = EVP_CipherInit_ex(ctx_, nullptr, nullptr, nullptr, nonce, -1) == 1 &&
                    (aad.empty() || EVP_CipherUpdate(ctx_, nullptr, &outl, aad.data(), static_cast<int>(aad.size())) == 1) &&
                    EVP_CipherUpdate(ctx_, out, &outl, in, static_cast<int>(len)) == 1 &&
                    EVP_CipherFinal_ex(ctx_, out + outl, &finl) == 1 &&
                    static_cast<std::size_t>(outl) + static_cast<std::size_t>(finl) == len &&
                    EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagLen), tag) == 1;
    if (!ok) ERR_clear_error();
    return ok;
}

bool AeadCipher::open(const std::uint8_t* nonce, Bytes aad, const std::uint8_t* in, std::size_t len,
                      std::uint8_t* out, const std::uint8_t* tag) {
    if (!ctx_ || encrypt_ || len > INT_MAX / 2 || aad.size() > INT_MAX / 2) return false;
    std::uint8_t expected[kTagLen];
    std::memcpy(expected, tag, kTagLen);  // the ctrl interface takes a mutable pointer
    int outl = 0, finl = 0;
    const bool ok = EVP_CipherInit_ex(ctx_, nullptr, nullptr, nullptr, nonce, -1) == 1 &&
                    EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagLen), expected) == 1 &&
                    (aad.empty() || EVP_CipherUpdate(ctx_, nullptr, &outl, aad.data(), static_cast<int>(aad.size())) == 1) &&
                    EVP_CipherUpdate(ctx_, out, &outl, in, static_cast<int>(len)) == 1 &&
                    // Final compares the tag in constant time and fails on a mismatch.
                    EVP_CipherFinal_ex(ctx_, out + outl, &finl) == 1 &&
                    static_cast<std::size_t>(outl) + static_cast<std::size_t>(finl) == len;
    if (!ok) ERR_clear_error();
    return ok;
}

}  // namespace vpn::crypto
