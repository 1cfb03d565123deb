#pragma once
// What an IKE SA draws at random, and the Diffie-Hellman it runs, behind small
// interfaces so tests can make both deterministic (and replay a captured strongSwan
// session by handing out the nonce, SPI and g^ir the capture used).
#include <cstdint>
#include <functional>
#include <memory>

#include "common/crypto/secure_buffer.hpp"
#include "common/util/bytes.hpp"
#include "ipsec/ike/ike_header.hpp"
#include "ipsec/ike/outcome.hpp"

namespace vpn::ike {

class RandomSource {
public:
    virtual ~RandomSource() = default;
    virtual void bytes(MutBytes out) = 0;

    // Each has a default built on bytes(); replay tests override single ones.
    virtual IkeSpi ike_spi();             // never all zero (RFC 7296 §3.1)
    virtual void nonce(MutBytes out);     // Ni / Nr
    virtual std::uint32_t esp_spi();      // >= 256 (RFC 4303 §2.1)
    virtual std::uint64_t below(std::uint64_t n);  // uniform-ish in [0, n); 0 if n == 0
};

// OpenSSL's DRBG (RAND_bytes; RAND_priv_bytes for nonces, which feed keys).
std::shared_ptr<RandomSource> system_random();

// One side of one Diffie-Hellman exchange (a KE payload and its g^ir).
class KeyExchange {
public:
    virtual ~KeyExchange() = default;
    virtual std::uint16_t group() const = 0;
    virtual Bytes public_value() const = 0;
    virtual Outcome<crypto::SecureBuffer> shared_secret(Bytes peer_public) const = 0;
};

using KeyExchangeFactory = std::function<Outcome<std::unique_ptr<KeyExchange>>(std::uint16_t group)>;

// dh_group.hpp's DhKeyPair::generate.
KeyExchangeFactory system_key_exchange();

}  // namespace vpn::ike
