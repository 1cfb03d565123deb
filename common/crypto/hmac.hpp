#pragma once
// A keyed HMAC context.  The key is installed once; each message re-initialises the
// context from the stored key (EVP_MAC_init with a NULL key keeps it in OpenSSL 3),
// so per-packet work is init/update/final with no allocation or name lookups.
// Not thread-safe: one instance per direction and per worker.
#include <openssl/types.h>

#include <cstddef>
#include <cstdint>

#include "common/crypto/algorithms.hpp"
#include "common/util/bytes.hpp"

namespace vpn::crypto {

class Hmac {
public:
    // `key`: at least md.size() bytes; exactly md.size() are used (OpenVPN's HMAC keys
    // are always the digest length, crypto_openssl.c: hmac_ctx_init).  `md` must not be
    // none.  Throws CryptoError on failure.
    Hmac(const DigestAlgorithm& md, Bytes key);
    ~Hmac();
    Hmac(const Hmac&) = delete;
    Hmac& operator=(const Hmac&) = delete;
    Hmac(Hmac&& other) noexcept;
    Hmac& operator=(Hmac&& other) noexcept;

    std::size_t size() const { return size_; }

    // HMAC of `data` into `out` (size() bytes).  Returns false on OpenSSL failure.
    bool compute(Bytes data, std::uint8_t* out);
    // Constant-time check of `expected` (size() bytes) against HMAC(data).
    bool verify(Bytes data, const std::uint8_t* expected);

private:
    EVP_MAC_CTX* ctx_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace vpn::crypto
