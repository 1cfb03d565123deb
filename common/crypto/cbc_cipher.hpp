#pragma once
// A keyed CBC cipher context for one direction (encrypt or decrypt).  The key is
// installed once; each packet only sets its IV and runs one update, with OpenSSL's
// padding switched off (the OpenVPN codec pads and checks PKCS#7 itself so it can
// tell a bad pad from other failures).  Not thread-safe: one context per direction
// and per worker.
#include <openssl/types.h>

#include <cstddef>
#include <cstdint>

#include "common/crypto/algorithms.hpp"
#include "common/util/bytes.hpp"

namespace vpn::crypto {

class CbcCipher {
public:
    // `alg` must be a CBC cipher (is_cbc()); `key` at least alg.key_length() bytes
    // (only that many are used).  Throws CryptoError otherwise or on OpenSSL failure.
    CbcCipher(const CipherAlgorithm& alg, Bytes key, bool encrypt);
    ~CbcCipher();
    CbcCipher(const CbcCipher&) = delete;
    CbcCipher& operator=(const CbcCipher&) = delete;
    CbcCipher(CbcCipher&& other) noexcept;
    CbcCipher& operator=(CbcCipher&& other) noexcept;

    int block_size() const { return block_; }
    int iv_length() const { return iv_len_; }

    // Run CBC over `len` bytes from `in` to `out` with IV `iv` (iv_length() bytes).
    // `len` must be a non-zero multiple of block_size(); `out` may equal `in` (in
    // place) but must not partially overlap it.  Returns false on any failure.
    bool run(const std::uint8_t* iv, const std::uint8_t* in, std::size_t len, std::uint8_t* out);

private:
    EVP_CIPHER_CTX* ctx_ = nullptr;
    int block_ = 0;
    int iv_len_ = 0;
};

}  // namespace vpn::crypto
