#pragma once
// Where CBC IVs come from.  RFC 3602 §2.1 / RFC 2451: random and unpredictable per
// packet, so production draws them from a RandomPool (one DRBG call per 4 KiB, not
// one per packet); tests inject fixed IVs to reproduce known packets byte for byte.
// GCM needs none: its IV is the sequence number (esp_crypto.hpp, outbound_sa.hpp).
#include <cstddef>
#include <cstdint>

#include "common/crypto/random.hpp"

namespace vpn::esp {

class IvSource {
public:
    virtual ~IvSource() = default;
    // Fill `n` (<= 16) bytes.  May throw crypto::CryptoError (no entropy).
    virtual void fill(std::uint8_t* out, std::size_t n) = 0;
};

class RandomIvSource final : public IvSource {
public:
    void fill(std::uint8_t* out, std::size_t n) override { pool_.take(out, n); }

private:
    crypto::RandomPool pool_;
};

}  // namespace vpn::esp
