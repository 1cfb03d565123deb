#pragma once
// The IKEv2 pseudo-random function and its expansion prf+ (RFC 7296 §2.13), for the
// HMAC PRFs (RFC 2104 with SHA-1, RFC 4868 with SHA-2).  The key is used whole, at
// any length: HMAC hashes keys longer than a block and pads shorter ones, which is
// exactly what SKEYSEED = prf(Ni | Nr, g^ir) relies on (RFC 7296 §2.14).  (The AES
// PRFs, with their fixed 128-bit keys, are not supported.)
//
// Output is key material and comes back in a SecureBuffer.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

#include "common/crypto/secure_buffer.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ike {

class Prf {
public:
    // PRF_HMAC_SHA1 (2), PRF_HMAC_SHA2_256/384/512 (5, 6, 7); nullopt otherwise.
    static std::optional<Prf> from_id(std::uint16_t prf_id);

    std::uint16_t id() const { return id_; }
    // Output length, which is also the "preferred key size" of SK_d and SK_p*.
    std::size_t size() const { return size_; }
    std::string_view name() const { return name_; }  // "PRF_HMAC_SHA2_256"
    const char* digest() const { return digest_; }    // OpenSSL name, "SHA2-256"

    // prf(key, data[0] | data[1] | ...).  Throws crypto::CryptoError only if
    // OpenSSL itself fails (no HMAC provider), never because of the inputs.
    crypto::SecureBuffer operator()(Bytes key, std::initializer_list<Bytes> data) const;
    crypto::SecureBuffer operator()(Bytes key, Bytes data) const { return (*this)(key, {data}); }

    // The first `n` bytes of prf+(key, seed[0] | seed[1] | ...):
    //   T1 = prf(K, S | 0x01), Tk = prf(K, T(k-1) | S | k), output T1 | T2 | ...
    // Precondition: n <= max_plus_len() (255 blocks); throws CryptoError otherwise,
    // which only a programming error can cause (key sizes are bounded).
    crypto::SecureBuffer plus(Bytes key, std::initializer_list<Bytes> seed, std::size_t n) const;
    crypto::SecureBuffer plus(Bytes key, Bytes seed, std::size_t n) const { return plus(key, {seed}, n); }
    std::size_t max_plus_len() const { return 255 * size_; }

private:
    Prf(std::uint16_t id, std::size_t size, const char* digest, std::string_view name)
        : id_(id), size_(size), digest_(digest), name_(name) {}
    void mac(Bytes key, std::span<const Bytes> parts, std::uint8_t* out) const;

    std::uint16_t id_;
    std::size_t size_;
    const char* digest_;
    std::string_view name_;
};

}  // namespace vpn::ike
