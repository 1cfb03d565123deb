#pragma once
// A heap byte buffer for key material.  Its bytes are wiped with OPENSSL_cleanse when
// the buffer is destroyed, assigned over or moved from, so secrets do not linger in
// freed memory.  The size is fixed at construction; the buffer never reallocates.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/util/bytes.hpp"

namespace vpn::crypto {

class SecureBuffer {
public:
    SecureBuffer() = default;
    // `size` zero bytes.
    explicit SecureBuffer(std::size_t size);
    // A copy of `b`.
    explicit SecureBuffer(Bytes b);
    ~SecureBuffer();

    SecureBuffer(const SecureBuffer& other);
    SecureBuffer& operator=(const SecureBuffer& other);
    // The moved-from buffer is left empty (its storage travels, nothing is copied).
    SecureBuffer(SecureBuffer&& other) noexcept;
    SecureBuffer& operator=(SecureBuffer&& other) noexcept;

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::uint8_t* data() { return data_.get(); }
    const std::uint8_t* data() const { return data_.get(); }
    MutBytes span() { return {data_.get(), size_}; }
    Bytes span() const { return {data_.get(), size_}; }

    // Wipe and release the storage; size() becomes 0.
    void clear();

private:
    std::unique_ptr<std::uint8_t[]> data_;
    std::size_t size_ = 0;
};

// Wipe `b` in place (OPENSSL_cleanse: the compiler cannot drop it as a dead store).
void cleanse(MutBytes b);

}  // namespace vpn::crypto
