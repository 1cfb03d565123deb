#pragma once
// A keyed AEAD context (AES-128/192/256-GCM, CHACHA20-POLY1305) for one direction.
// The key is installed once; each packet only sets its 12-byte nonce, feeds the
// additional data and runs one update, so per-packet work has no allocation and no
// name lookups.  Tags are 16 bytes (OPENVPN_AEAD_TAG_LENGTH).  Not thread-safe: one
// context per direction and per worker.
#include <openssl/types.h>

#include <cstddef>
#include <cstdint>

#include "common/crypto/algorithms.hpp"
#include "common/util/bytes.hpp"

namespace vpn::crypto {

// The AEAD modes OpenVPN 2.6 runs its data channel with (crypto_openssl.c:
// cipher_kt_mode_aead): GCM and ChaCha20-Poly1305.  CCM, OCB, SIV and the
// AES-CBC-HMAC composites are AEAD to OpenSSL but not to OpenVPN.
bool is_openvpn_aead(const CipherAlgorithm& alg);

class AeadCipher {
public:
    static constexpr std::size_t kTagLen = 16;
    static constexpr std::size_t kNonceLen = 12;

    // `alg` must satisfy is_openvpn_aead() with a 12-byte IV; `key` at least
    // alg.key_length() bytes (only that many are used).  Throws CryptoError otherwise
    // or on OpenSSL failure.
    AeadCipher(const CipherAlgorithm& alg, Bytes key, bool encrypt);
    ~AeadCipher();
    AeadCipher(const AeadCipher&) = delete;
    AeadCipher& operator=(const AeadCipher&) = delete;
    AeadCipher(AeadCipher&& other) noexcept;
    AeadCipher& operator=(AeadCipher&& other) noexcept;

    // Encrypt `len` bytes from `in` to `out` under `nonce` (kNonceLen bytes),
    // authenticating `aad` too, and write the kTagLen-byte tag to `tag`.  `out` may
    // equal `in` but must not partially overlap it; `tag` must not overlap `out`.
    // Only for an encrypting context.  Returns false on any failure.
    bool seal(const std::uint8_t* nonce, Bytes aad, const std::uint8_t* in, std::size_t len,
              std::uint8_t* out, std::uint8_t* tag);

    // Decrypt `len` bytes and check `tag` over `aad` and the ciphertext.  Returns
    // false if the tag does not match (or on failure); `out` then holds unauthenticated
    // bytes the caller must ignore.  Same overlap rules as seal().  Only for a
    // decrypting context.
    bool open(const std::uint8_t* nonce, Bytes aad, const std::uint8_t* in, std::size_t len,
              std::uint8_t* out, const std::uint8_t* tag);

private:
    EVP_CIPHER_CTX* ctx_ = nullptr;
    bool encrypt_ = false;
};

}  // namespace vpn::crypto
