#include "ipsec/ike/sk_cipher.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <string>

#include "common/crypto/aead_cipher.hpp"
#include "common/crypto/algorithms.hpp"
#include "common/crypto/cbc_cipher.hpp"
#include "common/crypto/hmac.hpp"
#include "common/crypto/random.hpp"
#include "common/crypto/secure_buffer.hpp"

namespace vpn::ike {
namespace {

constexpr std::size_t kSaltLen = 4;     // RFC 5282 §7.1, RFC 7634 §2
constexpr std::size_t kAeadIvLen = 8;   // RFC 5282 §3.1, RFC 7634 §2
constexpr std::size_t kAeadIcvLen = 16;

struct IntegInfo {
    const char* digest;
    std::size_t key_len;
    std::size_t icv_len;  // RFC 4595 / RFC 4868 truncations
};

std::optional<IntegInfo> integ_info(std::uint16_t id) {
    switch (id) {
        case integ::kHmacSha1_96: return IntegInfo{"SHA1", 20, 12};
        case integ::kHmacSha256_128: return IntegInfo{"SHA256", 32, 16};
        case integ::kHmacSha384_192: return IntegInfo{"SHA384", 48, 24};
        case integ::kHmacSha512_256: return IntegInfo{"SHA512", 64, 32};
        default: return std::nullopt;
    }
}

bool aes_key_bits(std::uint16_t bits) { return bits == 128 || bits == 192 || bits == 256; }

// OpenSSL/OpenVPN name of the cipher, empty if unsupported.
std::string cipher_name(const SkAlgorithms& a) {
    const std::string bits = std::to_string(a.key_bits);
    switch (a.encr) {
        case encr::kAesCbc: return aes_key_bits(a.key_bits) ? "AES-" + bits + "-CBC" : "";
        case encr::kAesGcm16: return aes_key_bits(a.key_bits) ? "AES-" + bits + "-GCM" : "";
        // RFC 7634 §2: the key is always 256 bits and no Key Length attribute is sent.
        case encr::kChaCha20Poly1305: return a.key_bits == 0 || a.key_bits == 256 ? "CHACHA20-POLY1305" : "";
        default: return "";
    }
}

bool is_aead_id(std::uint16_t encr_id) { return encr_id == encr::kAesGcm16 || encr_id == encr::kChaCha20Poly1305; }

}  // namespace

struct SkCipher::Impl {
    bool aead = false;
    std::size_t block = 1;
    std::size_t iv_len = 0;
    std::size_t icv_len = 0;
    std::optional<crypto::CbcCipher> cbc_enc, cbc_dec;
    std::optional<crypto::Hmac> hmac;
    std::optional<crypto::AeadCipher> aead_enc, aead_dec;
    std::array<std::uint8_t, kSaltLen> salt{};
    std::uint64_t next_iv = 0;

    ~Impl() { crypto::cleanse(salt); }
};

std::optional<SkKeyLengths> sk_key_lengths(const SkAlgorithms& a) {
    const std::string name = cipher_name(a);
    if (name.empty()) return std::nullopt;
    const std::size_t key = a.encr == encr::kChaCha20Poly1305 ? 32 : a.key_bits / 8u;
    if (is_aead_id(a.encr)) {
        // An AEAD protects integrity itself: INTEG must be NONE (RFC 5282 §8).
        if (a.integ != integ::kNone) return std::nullopt;
        return SkKeyLengths{key + kSaltLen, 0};
    }
    const auto ii = integ_info(a.integ);
    if (!ii) return std::nullopt;
    return SkKeyLengths{key, ii->key_len};
}

SkCipher::SkCipher() = default;
SkCipher::~SkCipher() = default;
SkCipher::SkCipher(SkCipher&&) noexcept = default;
SkCipher& SkCipher::operator=(SkCipher&&) noexcept = default;

Result<SkCipher> SkCipher::create(const SkAlgorithms& alg, Bytes sk_e, Bytes sk_a) {
    Result<SkCipher> r;
    const auto lens = sk_key_lengths(alg);
    if (!lens) {
        r.error = CodecError::UnsupportedTransform;
        return r;
    }
    if (sk_e.size() != lens->encr || sk_a.size() != lens->integ) {
        r.error = CodecError::BadKeyLength;
        return r;
    }
    auto impl = std::make_unique<Impl>();
    try {
        const auto cipher = crypto::CipherAlgorithm::fetch(cipher_name(alg));
        if (is_aead_id(alg.encr)) {
            impl->aead = true;
            impl->iv_len = kAeadIvLen;
            impl->icv_len = kAeadIcvLen;
            const Bytes key = sk_e.first(sk_e.size() - kSaltLen);
            std::copy(sk_e.end() - kSaltLen, sk_e.end(), impl->salt.begin());
            impl->aead_enc.emplace(cipher, key, true);
            impl->aead_dec.emplace(cipher, key, false);
            // A random start makes a repeated IV unlikely even if two SkCiphers
            // are ever made from the same key.
            std::array<std::uint8_t, 8> seed{};
            crypto::random_bytes(seed);
            for (auto b : seed) impl->next_iv = (impl->next_iv << 8) | b;
        } else {
            const auto ii = *integ_info(alg.integ);
            impl->block = static_cast<std::size_t>(cipher.block_size());
            impl->iv_len = static_cast<std::size_t>(cipher.iv_length());
            impl->icv_len = ii.icv_len;
            impl->cbc_enc.emplace(cipher, sk_e, true);
            impl->cbc_dec.emplace(cipher, sk_e, false);
            impl->hmac.emplace(crypto::DigestAlgorithm::fetch(ii.digest), sk_a);
        }
    } catch (const crypto::CryptoError&) {
        r.error = CodecError::CryptoFailure;
        return r;
    }
    r.value.impl_ = std::move(impl);
    return r;
}

bool SkCipher::is_aead() const { return impl_ && impl_->aead; }
std::size_t SkCipher::iv_length() const { return impl_ ? impl_->iv_len : 0; }
std::size_t SkCipher::icv_length() const { return impl_ ? impl_->icv_len : 0; }

std::size_t SkCipher::overhead_length(std::size_t plain_len) const {
    if (!impl_) return 0;
    // Minimal padding: just enough for whole blocks with the Pad Length byte.
    const std::size_t b = impl_->block;
    const std::size_t enc = (plain_len + 1 + b - 1) / b * b;
    return impl_->iv_len + enc + impl_->icv_len;
}

std::optional<std::size_t> SkCipher::max_plain_length(std::size_t budget) const {
    if (!impl_ || budget < impl_->iv_len + impl_->icv_len) return std::nullopt;
    const std::size_t enc = (budget - impl_->iv_len - impl_->icv_len) / impl_->block * impl_->block;
    if (enc == 0) return std::nullopt;
    return enc - 1;
}

std::optional<CodecError> SkCipher::seal(MutBytes msg, std::size_t body_offset, Bytes plain) {
    if (!impl_) return CodecError::CryptoFailure;
    Impl& m = *impl_;
    if (body_offset > msg.size() || msg.size() - body_offset != overhead_length(plain.size()))
        return CodecError::BufferTooSmall;
    std::uint8_t* iv = msg.data() + body_offset;
    std::uint8_t* enc = iv + m.iv_len;
    const std::size_t enc_len = msg.size() - body_offset - m.iv_len - m.icv_len;
    std::uint8_t* icv = enc + enc_len;
    const std::size_t pad = enc_len - plain.size() - 1;
    std::copy(plain.begin(), plain.end(), enc);
    std::fill_n(enc + plain.size(), pad, 0);  // §3.14: any value will do
    enc[enc_len - 1] = static_cast<std::uint8_t>(pad);
    bool ok;
    if (m.aead) {
        store_be32(iv, static_cast<std::uint32_t>(m.next_iv >> 32));
        store_be32(iv + 4, static_cast<std::uint32_t>(m.next_iv));
        ++m.next_iv;
        std::uint8_t nonce[kSaltLen + kAeadIvLen];
        std::copy(m.salt.begin(), m.salt.end(), nonce);
        std::copy_n(iv, kAeadIvLen, nonce + kSaltLen);
        ok = m.aead_enc->seal(nonce, msg.first(body_offset), enc, enc_len, enc, icv);
    } else {
        try {
            crypto::random_bytes({iv, m.iv_len});
        } catch (const crypto::CryptoError&) {
            return CodecError::CryptoFailure;
        }
        std::uint8_t mac[EVP_MAX_MD_SIZE];
        ok = m.cbc_enc->run(iv, enc, enc_len, enc) && m.hmac->compute(msg.first(msg.size() - m.icv_len), mac);
        if (ok) std::copy_n(mac, m.icv_len, icv);
    }
    return ok ? std::nullopt : std::optional<CodecError>(CodecError::CryptoFailure);
}

Result<std::size_t> SkCipher::open(Bytes msg, std::size_t body_offset, MutBytes out) {
    Result<std::size_t> r;
    auto fail = [&r](CodecError e) {
        r.error = e;
        return r;
    };
    if (!impl_) return fail(CodecError::CryptoFailure);
    Impl& m = *impl_;
    if (body_offset > msg.size() || msg.size() - body_offset < m.iv_len + 1 + m.icv_len)
        return fail(CodecError::Truncated);
    const std::uint8_t* iv = msg.data() + body_offset;
    const std::uint8_t* enc = iv + m.iv_len;
    const std::size_t enc_len = msg.size() - body_offset - m.iv_len - m.icv_len;
    const std::uint8_t* icv = enc + enc_len;
    if (enc_len % m.block != 0) return fail(CodecError::BadPayloadLength);
    if (out.size() < enc_len) return fail(CodecError::BufferTooSmall);
    if (m.aead) {
        std::uint8_t nonce[kSaltLen + kAeadIvLen];
        std::copy(m.salt.begin(), m.salt.end(), nonce);
        std::copy_n(iv, kAeadIvLen, nonce + kSaltLen);
        // The tag is checked inside (EVP final) before `out` may be trusted.
        if (!m.aead_dec->open(nonce, msg.first(body_offset), enc, enc_len, out.data(), icv))
            return fail(CodecError::IntegrityFailed);
    } else {
        std::uint8_t mac[EVP_MAX_MD_SIZE];
        if (!m.hmac->compute(msg.first(msg.size() - m.icv_len), mac)) return fail(CodecError::CryptoFailure);
        const bool match = CRYPTO_memcmp(mac, icv, m.icv_len) == 0;
        crypto::cleanse(mac);
        if (!match) return fail(CodecError::IntegrityFailed);
        if (!m.cbc_dec->run(iv, enc, enc_len, out.data())) return fail(CodecError::CryptoFailure);
    }
    const std::size_t pad = out[enc_len - 1];
    if (pad + 1 > enc_len) return fail(CodecError::BadPadding);
    r.value = enc_len - 1 - pad;
    return r;
}

}  // namespace vpn::ike
