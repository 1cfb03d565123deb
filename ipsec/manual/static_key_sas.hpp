#pragma once
// ESP SAs derived from an OpenVPN static key (`technique ipsec` + `secret` +
// `ifconfig A B`, no IKE).  Both ends load the same key file and mirrored ifconfig
// lines and must arrive at the same two SAs, one per direction.
//
// Derivation (all HMAC-SHA256 keyed with the whole static key K, 256 bytes; addresses
// are the tunnel (ifconfig) IPv4 addresses, 4 bytes big-endian; integers big-endian):
//
//   SPI of the SA from sender S to receiver R, unless `esp-spi OUT IN` gives it:
//     v   = first 4 bytes of HMAC(K, "vpn ipsec static-key spi" | S | R)
//     SPI = 256 + (v mod (2^32 - 256))                  never a reserved SPI
//     if both directions come out equal, the SA sent by the numerically greater
//     address uses SPI xor 1 (so the two keys below always differ)
//   Keys of an SA (prf+ of RFC 7296 §2.13):
//     seed   = "vpn ipsec static-key keymat" | SPI(4) | encr id(2) | encr key bits(2)
//              | integ id(2)
//     KEYMAT = T1 | T2 | ...,  T1 = HMAC(K, seed | 0x01),  Tn = HMAC(K, Tn-1 | seed | n)
//     encryption key (salt included for AES-GCM) = first bytes of KEYMAT,
//     integrity key = the bytes right after it.
//   where encr id and integ id are the IKEv2 transform IDs (AES-CBC 12, AES-GCM-16
//   20, 3DES 3; HMAC-SHA1-96 2, HMAC-SHA2-256-128 12, -384-192 13, -512-256 14),
//   integ id is 0 with AES-GCM, and key bits is the cipher key without the GCM salt
//   (AES 128/192/256; 0 for 3DES, whose key size is fixed).
//
// The two directions have different SPIs, so they never share a key (an AES-GCM nonce
// must never repeat under one key, and each side counts its own sequence numbers).
// The algorithm is in the seed so that one key never serves two algorithms.
#include <array>
#include <cstdint>
#include <optional>

#include "common/util/bytes.hpp"
#include "ipsec/manual/manual_sa.hpp"

namespace vpn::ipsec::manual {

inline constexpr std::size_t kStaticKeyBytes = 256;

struct StaticSaInput {
    Bytes static_key;             // exactly kStaticKeyBytes
    std::uint32_t local_addr = 0; // our tunnel address (ifconfig's first), host order
    std::uint32_t peer_addr = 0;  // the peer's (ifconfig's second)
    std::optional<std::uint32_t> spi_out, spi_in;  // esp-spi OUT IN
    EspAlgorithm algorithm;
    std::uint32_t replay_window = 0;
};

// The SPI the sender at `sender` uses towards `receiver` before the collision rule.
std::uint32_t derive_spi(Bytes static_key, std::uint32_t sender, std::uint32_t receiver);

// The key material of the SA with `spi` (encryption then integrity key lengths of
// `alg`): {encr_key, integ_key}.
std::pair<crypto::SecureBuffer, crypto::SecureBuffer> derive_keys(Bytes static_key, std::uint32_t spi,
                                                                  const EspAlgorithm& alg);

// {outbound SA, inbound SA}.  Throws std::invalid_argument for a key that is not 256
// bytes, equal addresses or equal explicit SPIs (the config layer rejects those first).
std::array<ManualSa, 2> derive_static_sas(const StaticSaInput& in);

}  // namespace vpn::ipsec::manual
