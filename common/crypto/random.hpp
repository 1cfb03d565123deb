#pragma once
// Randomness from OpenSSL's DRBGs.  Key material comes from the private DRBG
// (RAND_priv_bytes), public values such as IVs from the public one (RAND_bytes).
#include <array>
#include <cstddef>
#include <cstdint>

#include "common/util/bytes.hpp"

namespace vpn::crypto {

// Fill `out`; throw CryptoError if the DRBG fails (no entropy).
void random_bytes(MutBytes out);
void random_priv_bytes(MutBytes out);

// Per-channel pool of public random bytes for CBC IVs: one RAND_bytes call per
// 4 KiB instead of one per packet (the DRBG call and its lock cost more than the
// copy).  Not thread-safe: one pool per sending worker.  Create it after any fork()
// (daemon), or both processes would hand out the same IVs.  Wiped on destruction.
class RandomPool {
public:
    RandomPool() = default;
    ~RandomPool();
    RandomPool(const RandomPool&) = delete;
    RandomPool& operator=(const RandomPool&) = delete;

    // Copy `n` (<= 64) fresh random bytes to `out`; each byte is handed out once.
    // Throws CryptoError if a refill fails.
    void take(std::uint8_t* out, std::size_t n);

private:
    std::array<std::uint8_t, 4096> buf_{};
    std::size_t pos_ = buf_.size();  // empty until first use
};

}  // namespace vpn::crypto
