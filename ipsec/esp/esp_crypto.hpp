#pragma once
// The keyed transform of one ESP SA direction: encrypt + ICV on the way out, ICV +
// decrypt on the way in, over a packet laid out in one buffer (RFC 4303 §2):
//
//   0        4        8          8+iv                    8+iv+len       +icv
//   | SPI    | seq lo | IV       | plaintext / ciphertext  | ICV           |
//
// "plaintext" is everything ESP encrypts: payload | padding | pad length | next
// header; building and checking that trailer is the SA's job (outbound_sa,
// inbound_sa).  Separate integrity: ICV = HMAC(SPI .. end of ciphertext [| seq hi])
// truncated (RFC 4303 §3.3.2.1: with ESN the high half is hashed, never sent).
// AES-GCM (RFC 4106): nonce = salt | IV, AAD = SPI | [seq hi |] seq lo, ICV = tag.
//
// Per packet: no allocation, no name lookups, work in place.  Not thread-safe: one
// instance per SA direction and worker.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/crypto/aead_cipher.hpp"
#include "common/crypto/cbc_cipher.hpp"
#include "common/crypto/hmac.hpp"
#include "common/crypto/secure_buffer.hpp"
#include "ipsec/esp/sa_keys.hpp"

namespace vpn::esp {

inline constexpr std::size_t kEspHeaderLen = 8;  // SPI | sequence number (low half)

class EspCrypto {
public:
    // `esn`: the sequence number's high half goes into the ICV / AAD (otherwise the
    // `seq_hi` arguments below are ignored).  Throws EspError for a bad suite or key
    // length, crypto::CryptoError if OpenSSL refuses the key.
    EspCrypto(const SaKeys& keys, bool esn, bool encrypt);

    const Suite& suite() const { return suite_; }
    std::size_t iv_len() const { return iv_len_; }
    std::size_t icv_len() const { return icv_len_; }
    std::size_t pad_align() const { return align_; }
    // What the ciphertext length must be a multiple of (1 when any length goes).
    std::size_t block() const { return block_; }

    // Outbound.  `pkt` holds header and IV (filled by the caller) and `len`
    // plaintext bytes at pkt + 8 + iv_len(), with icv_len() writable bytes after
    // them.  Encrypts in place and writes the ICV.  `len` must be a multiple of
    // block().  False only on a library failure.
    bool seal(std::uint8_t* pkt, std::size_t len, std::uint32_t seq_hi);

    // Inbound, same layout, `len` = ciphertext bytes (excluding the ICV).  Checks the
    // ICV in constant time.  AEAD ciphers cannot check without decrypting, so for
    // them this also decrypts in place; for the others decrypt() does that after the
    // caller has updated its replay window.  The ICV bytes may be overwritten.
    // False: the ICV does not match (the plaintext area then holds garbage).
    bool verify(std::uint8_t* pkt, std::size_t len, std::uint32_t seq_hi);
    // Decrypt in place after a successful verify().  `len` a multiple of block().
    bool decrypt(std::uint8_t* pkt, std::size_t len);

private:
    bool mac(std::uint8_t* pkt, std::size_t len, std::uint32_t seq_hi, std::uint8_t* out);
    void gcm_inputs(const std::uint8_t* pkt, std::uint32_t seq_hi, std::uint8_t* nonce, std::uint8_t* aad,
                    std::size_t& aad_len) const;

    Suite suite_;
    bool esn_;
    std::size_t iv_len_, icv_len_, align_, block_ = 1;
    std::optional<crypto::AeadCipher> aead_;
    std::optional<crypto::CbcCipher> cbc_;
    std::optional<crypto::Hmac> hmac_;
    std::uint8_t salt_[4] = {};
};

}  // namespace vpn::esp
