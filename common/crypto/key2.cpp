#include "common/crypto/key2.hpp"

#include <openssl/crypto.h>

#include <stdexcept>
#include <string>

namespace vpn::crypto {

Key2 Key2::from_bytes(Bytes b) {
    if (b.size() != kKeyLen && b.size() != kKeyLen * kMaxKeys)
        throw std::invalid_argument("key material must be 128 or 256 bytes, got " +
                                    std::to_string(b.size()));
    Key2 k;
    k.bytes_ = SecureBuffer(b);
    return k;
}

Bytes Key2::slot(int i, std::size_t offset, std::size_t len) const {
    if (i < 0 || static_cast<std::size_t>(i) >= key_count())
        throw std::out_of_range("key index " + std::to_string(i) + " out of range (" +
                                std::to_string(key_count()) + " keys)");
    return raw().subspan(static_cast<std::size_t>(i) * kKeyLen + offset, len);
}

Bytes Key2::cipher(int i) const { return slot(i, 0, kCipherLen); }
Bytes Key2::hmac(int i) const { return slot(i, kCipherLen, kHmacLen); }

bool operator==(const Key2& a, const Key2& b) {
    return a.raw().size() == b.raw().size() &&
           (a.raw().empty() || CRYPTO_memcmp(a.raw().data(), b.raw().data(), a.raw().size()) == 0);
}

}  // namespace vpn::crypto
