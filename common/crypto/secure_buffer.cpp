#include "common/crypto/secure_buffer.hpp"

#include <openssl/crypto.h>

#include <cstring>
#include <utility>

namespace vpn::crypto {

void cleanse(MutBytes b) {
    if (!b.empty()) OPENSSL_cleanse(b.data(), b.size());
}

SecureBuffer::SecureBuffer(std::size_t size)
    : data_(size ? std::make_unique<std::uint8_t[]>(size) : nullptr), size_(size) {}

SecureBuffer::SecureBuffer(Bytes b) : SecureBuffer(b.size()) {
    if (!b.empty()) std::memcpy(data_.get(), b.data(), b.size());
}

SecureBuffer::~SecureBuffer() { clear(); }

SecureBuffer::SecureBuffer(const SecureBuffer& other) : SecureBuffer(other.span()) {}

SecureBuffer& SecureBuffer::operator=(const SecureBuffer& other) {
    if (this != &other) {
        SecureBuffer copy(other);
        *this = std::move(copy);
    }
    return *this;
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
    if (this != &other) {
        clear();
        data_ = std::move(other.data_);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

void SecureBuffer::clear() {
    cleanse(span());
    data_.reset();
    size_ = 0;
}

}  // namespace vpn::crypto
