#pragma once
// AES-256-CTR with the key installed once, for tls-crypt (openvpn-wire.md §5.4,
// tls_crypt.c: tls_crypt_kt).  CTR is its own inverse, so one object both encrypts
// and decrypts; each call restarts the keystream from the given 16-byte IV.
// Not thread-safe: one instance per direction and per worker.
#include <openssl/types.h>

#include <cstddef>
#include <cstdint>

#include "common/util/bytes.hpp"

namespace vpn::crypto {

class CtrCipher {
public:
    static constexpr std::size_t kKeyLength = 32;
    static constexpr std::size_t kIvLength = 16;

    // `key`: at least 32 bytes; the first 32 are used.  Throws CryptoError if it is
    // shorter or OpenSSL has no AES-256-CTR.
    explicit CtrCipher(Bytes key);
    ~CtrCipher();
    CtrCipher(const CtrCipher&) = delete;
    CtrCipher& operator=(const CtrCipher&) = delete;
    CtrCipher(CtrCipher&& other) noexcept;
    CtrCipher& operator=(CtrCipher&& other) noexcept;

    // XOR `len` bytes of keystream (counter block = `iv`, 16 bytes) over `in` into
    // `out`.  `out` may equal `in` but must not partially overlap it.  len == 0 is
    // fine.  Returns false on OpenSSL failure.
    bool run(const std::uint8_t* iv, const std::uint8_t* in, std::size_t len, std::uint8_t* out);

private:
    EVP_CIPHER_CTX* ctx_ = nullptr;
};

}  // namespace vpn::crypto
