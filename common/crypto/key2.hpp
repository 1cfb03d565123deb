#pragma once
// OpenVPN's `struct key2` (openvpn-wire.md §1.2): one or two 128-byte keys, each
// 64 bytes of cipher key followed by 64 bytes of HMAC key.  Static key files hold two
// (2048 bit); TLS key derivation (§7.4) produces the same 256-byte layout.  Only the
// first cipher-key-length / digest-length bytes of each half are used.
// The bytes live in a SecureBuffer and are wiped when the object dies.
#include <cstddef>

#include "common/crypto/secure_buffer.hpp"
#include "common/util/bytes.hpp"

namespace vpn::crypto {

class Key2 {
public:
    static constexpr std::size_t kCipherLen = 64;  // MAX_CIPHER_KEY_LENGTH
    static constexpr std::size_t kHmacLen = 64;    // MAX_HMAC_KEY_LENGTH
    static constexpr std::size_t kKeyLen = kCipherLen + kHmacLen;
    static constexpr std::size_t kMaxKeys = 2;

    Key2() = default;  // no keys (key_count() == 0)

    // `b` must be 128 (one key) or 256 bytes (two keys); throws std::invalid_argument
    // otherwise.  The bytes are copied.
    static Key2 from_bytes(Bytes b);

    std::size_t key_count() const { return bytes_.size() / kKeyLen; }
    // keys[i].cipher / keys[i].hmac, 64 bytes each; throws std::out_of_range when
    // i >= key_count().
    Bytes cipher(int i) const;
    Bytes hmac(int i) const;
    // All key bytes (128 * key_count()).
    Bytes raw() const { return bytes_.span(); }

    friend bool operator==(const Key2& a, const Key2& b);

private:
    Bytes slot(int i, std::size_t offset, std::size_t len) const;
    SecureBuffer bytes_;
};

}  // namespace vpn::crypto
