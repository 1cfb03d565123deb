#pragma once
// The cryptography of the SK and SKF payloads (RFC 7296 §3.14, RFC 5282 for
// AES-GCM, RFC 7634 for ChaCha20-Poly1305; ikev2-esp.md §1.14) for one direction
// of an IKE SA: SK_ei/SK_ai for messages from the original initiator, SK_er/SK_ar
// for the other way.
//
//   ... | SK/SKF header | IV | encrypted: plain | padding | Pad Length | ICV |
//   ^ msg[0]            ^ body_offset
//
// AES-CBC + HMAC: IV 16 random bytes; ICV = HMAC(SK_a, msg[0 .. ICV)) truncated.
// AEAD: SK_e = key | 4-byte salt; nonce = salt | 8-byte IV (a counter from a random
// start, never repeated under one key); AAD = msg[0 .. body_offset); ICV = the tag.
// Incoming ICVs are checked (constant time) before anything is decrypted.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "common/util/bytes.hpp"
#include "ipsec/ike/codec_error.hpp"
#include "ipsec/ike/ike_constants.hpp"

namespace vpn::ike {

// The negotiated ENCR transform (ID and Key Length attribute) and INTEG transform.
struct SkAlgorithms {
    std::uint16_t encr = encr::kAesCbc;
    std::uint16_t key_bits = 256;                  // 0 (absent) for ChaCha20-Poly1305
    std::uint16_t integ = integ::kHmacSha256_128;  // integ::kNone with an AEAD
};

// What the key schedule must produce per direction: SK_e includes the 4-byte salt
// of the AEADs, SK_a is 0 for them.
struct SkKeyLengths {
    std::size_t encr = 0;
    std::size_t integ = 0;
};

// nullopt if we do not run this combination: ENCR AES-CBC (128/192/256) with
// HMAC-SHA1-96 / SHA2-256-128 / -384-192 / -512-256, AES-GCM-16 (128/192/256) or
// ChaCha20-Poly1305 without INTEG.
std::optional<SkKeyLengths> sk_key_lengths(const SkAlgorithms& alg);

class SkCipher {
public:
    // Errors: UnsupportedTransform, BadKeyLength (sk_e / sk_a not exactly
    // sk_key_lengths()), CryptoFailure.
    static Result<SkCipher> create(const SkAlgorithms& alg, Bytes sk_e, Bytes sk_a);

    SkCipher();  // unusable until assigned from create()
    ~SkCipher();
    SkCipher(SkCipher&&) noexcept;
    SkCipher& operator=(SkCipher&&) noexcept;

    bool is_aead() const;
    std::size_t iv_length() const;   // 16 for CBC, 8 for the AEADs
    std::size_t icv_length() const;  // 12/16/24/32 for the HMACs, 16 for the AEADs
    // Bytes after body_offset for `plain_len` bytes of payloads: IV, padded
    // ciphertext with its Pad Length byte, ICV.
    std::size_t overhead_length(std::size_t plain_len) const;
    // The largest plain_len whose overhead_length() fits in `budget`; nullopt if
    // not even an empty one does.
    std::optional<std::size_t> max_plain_length(std::size_t budget) const;

    // Protect `plain` into msg[body_offset ..], which must be exactly
    // overhead_length(plain.size()) bytes; every byte before body_offset (the IKE
    // header and the SK/SKF header with their final lengths) must already be written,
    // since the ICV or AAD covers them.  `plain` must not overlap `msg`.
    // Errors: BufferTooSmall (size mismatch), CryptoFailure.
    std::optional<CodecError> seal(MutBytes msg, std::size_t body_offset, Bytes plain);

    // Verify msg[body_offset ..] (IV | ciphertext | ICV), then decrypt it into `out`
    // (at least the ciphertext's size) and strip the padding.  Returns the number of
    // plaintext bytes at the start of `out`.  Errors: Truncated / BadPayloadLength
    // (the body cannot hold IV, a whole number of blocks and ICV), BufferTooSmall,
    // IntegrityFailed, BadPadding, CryptoFailure.
    Result<std::size_t> open(Bytes msg, std::size_t body_offset, MutBytes out);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vpn::ike
