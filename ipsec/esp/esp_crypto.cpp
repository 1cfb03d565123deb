#include "ipsec/esp/esp_crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

#include "common/util/bytes.hpp"

namespace vpn::esp {
namespace {

const char* cipher_name(const Suite& s) {
    switch (s.encr) {
        case Encr::AesCbc: return s.encr_bits == 128 ? "AES-128-CBC" : s.encr_bits == 192 ? "AES-192-CBC" : "AES-256-CBC";
        case Encr::AesGcm16: return s.encr_bits == 128 ? "AES-128-GCM" : s.encr_bits == 192 ? "AES-192-GCM" : "AES-256-GCM";
        case Encr::TripleDesCbc: return "DES-EDE3-CBC";
        case Encr::Null: break;
    }
    return "none";
}

const char* digest_name(Integ i) {
    switch (i) {
        case Integ::HmacSha1_96: return "SHA1";
        case Integ::HmacSha256_128: return "SHA256";
        case Integ::HmacSha384_192: return "SHA384";
        case Integ::HmacSha512_256: return "SHA512";
        case Integ::None: break;
    }
    return "none";
}

}  // namespace

EspCrypto::EspCrypto(const SaKeys& keys, bool esn, bool encrypt)
    : suite_(keys.suite),
      esn_(esn),
      iv_len_(esp::iv_len(keys.suite.encr)),
      icv_len_(esp::icv_len(keys.suite)),
      align_(esp::pad_align(keys.suite.encr)) {
    validate(suite_);
    if (keys.encr_key.size() != encr_key_len(suite_) || keys.integ_key.size() != integ_key_len(suite_.integ))
        throw EspError("ESP: key length does not match the algorithm");
    if (suite_.encr == Encr::AesGcm16) {
        const std::size_t klen = keys.encr_key.size() - sizeof salt_;
        aead_.emplace(crypto::CipherAlgorithm::fetch(cipher_name(suite_)), keys.encr_key.span().first(klen), encrypt);
        std::memcpy(salt_, keys.encr_key.data() + klen, sizeof salt_);
    } else if (suite_.encr != Encr::Null) {
        cbc_.emplace(crypto::CipherAlgorithm::fetch(cipher_name(suite_)), keys.encr_key.span(), encrypt);
        block_ = static_cast<std::size_t>(cbc_->block_size());
    }
    if (suite_.integ != Integ::None)
        hmac_.emplace(crypto::DigestAlgorithm::fetch(digest_name(suite_.integ)), keys.integ_key.span());
}

void EspCrypto::gcm_inputs(const std::uint8_t* pkt, std::uint32_t seq_hi, std::uint8_t* nonce,
                           std::uint8_t* aad, std::size_t& aad_len) const {
    std::memcpy(nonce, salt_, 4);
    std::memcpy(nonce + 4, pkt + kEspHeaderLen, 8);
    std::memcpy(aad, pkt, 4);  // SPI
    if (esn_) {
        // RFC 4106 §5: SPI | seq hi | seq lo, 12 bytes.
        store_be32(aad + 4, seq_hi);
        std::memcpy(aad + 8, pkt + 4, 4);
        aad_len = 12;
    } else {
        std::memcpy(aad + 4, pkt + 4, 4);
        aad_len = 8;
    }
}

bool EspCrypto::mac(std::uint8_t* pkt, std::size_t len, std::uint32_t seq_hi, std::uint8_t* out) {
    std::size_t covered = kEspHeaderLen + iv_len_ + len;
    // With ESN the high half follows the ciphertext for the computation only
    // (RFC 4303 §2.2.1).  The ICV slot right there is free (outbound) or already
    // saved by the caller (inbound), so the 4 bytes go there and the MAC stays one
    // contiguous pass.
    if (esn_) {
        store_be32(pkt + covered, seq_hi);
        covered += 4;
    }
    return hmac_->compute(Bytes(pkt, covered), out);
}

bool EspCrypto::seal(std::uint8_t* pkt, std::size_t len, std::uint32_t seq_hi) {
    std::uint8_t* body = pkt + kEspHeaderLen + iv_len_;
    if (len % block_ != 0) return false;
    if (aead_) {
        std::uint8_t nonce[crypto::AeadCipher::kNonceLen], aad[12];
        std::size_t aad_len = 0;
        gcm_inputs(pkt, seq_hi, nonce, aad, aad_len);
        return aead_->seal(nonce, Bytes(aad, aad_len), body, len, body, body + len);
    }
    if (cbc_ && !cbc_->run(pkt + kEspHeaderLen, body, len, body)) return false;
    std::uint8_t digest[EVP_MAX_MD_SIZE];
    if (!mac(pkt, len, seq_hi, digest)) return false;
    std::memcpy(body + len, digest, icv_len_);
    return true;
}

bool EspCrypto::verify(std::uint8_t* pkt, std::size_t len, std::uint32_t seq_hi) {
    std::uint8_t* body = pkt + kEspHeaderLen + iv_len_;
    if (aead_) {
        std::uint8_t nonce[crypto::AeadCipher::kNonceLen], aad[12];
        std::size_t aad_len = 0;
        gcm_inputs(pkt, seq_hi, nonce, aad, aad_len);
        // EVP's final step compares the tag in constant time.
        return aead_->open(nonce, Bytes(aad, aad_len), body, len, body, body + len);
    }
    std::uint8_t received[EVP_MAX_MD_SIZE], computed[EVP_MAX_MD_SIZE];
    std::memcpy(received, body + len, icv_len_);
    const bool ok = mac(pkt, len, seq_hi, computed) && CRYPTO_memcmp(received, computed, icv_len_) == 0;
    OPENSSL_cleanse(computed, sizeof computed);
    return ok;
}

bool EspCrypto::decrypt(std::uint8_t* pkt, std::size_t len) {
    if (!cbc_) return true;  // NULL: nothing to do; AEAD: done by verify()
    if (len == 0 || len % block_ != 0) return false;
    std::uint8_t* body = pkt + kEspHeaderLen + iv_len_;
    return cbc_->run(pkt + kEspHeaderLen, body, len, body);
}

}  // namespace vpn::esp
