#include "ipsec/ike/transform_set.hpp"

#include <string>

#include "ipsec/ike/prf.hpp"

namespace vpn::ike {

namespace {

bool aes_bits(std::uint16_t bits) { return bits == 128 || bits == 192 || bits == 256; }

std::string_view aes_name(const char* const names[3], std::uint16_t bits) {
    return names[bits == 128 ? 0 : bits == 192 ? 1 : 2];
}

}  // namespace

std::optional<EncrSpec> encr_spec(std::uint16_t id, std::uint16_t bits) {
    switch (id) {
    case encr::k3Des:
        if (bits != 0 && bits != 192) return std::nullopt;
        return EncrSpec{"3DES_CBC", 24, 0, 8, 8, 0, false};
    case encr::kNull:
        if (bits != 0) return std::nullopt;
        return EncrSpec{"NULL", 0, 0, 0, 1, 0, false};
    case encr::kAesCbc: {
        // RFC 3602 via RFC 7296 §3.3.5: the Key Length attribute is mandatory.
        if (!aes_bits(bits)) return std::nullopt;
        static const char* const n[] = {"AES_CBC_128", "AES_CBC_192", "AES_CBC_256"};
        return EncrSpec{aes_name(n, bits), bits / 8u, 0, 16, 16, 0, false};
    }
    case encr::kAesCtr: {
        // RFC 3686 §5.1 / RFC 5930: a 4-byte nonce follows the AES key.
        if (!aes_bits(bits)) return std::nullopt;
        static const char* const n[] = {"AES_CTR_128", "AES_CTR_192", "AES_CTR_256"};
        return EncrSpec{aes_name(n, bits), bits / 8u + 4, 4, 8, 1, 0, false};
    }
    case encr::kAesGcm8:
    case encr::kAesGcm12:
    case encr::kAesGcm16: {
        // RFC 4106 §8.1 / RFC 5282 §7.1: 4 salt bytes after the key; 8-byte IV.
        if (!aes_bits(bits)) return std::nullopt;
        std::size_t icv = id == encr::kAesGcm8 ? 8 : id == encr::kAesGcm12 ? 12 : 16;
        static const char* const n8[] = {"AES_GCM_8_128", "AES_GCM_8_192", "AES_GCM_8_256"};
        static const char* const n12[] = {"AES_GCM_12_128", "AES_GCM_12_192", "AES_GCM_12_256"};
        static const char* const n16[] = {"AES_GCM_16_128", "AES_GCM_16_192", "AES_GCM_16_256"};
        const char* const* n = icv == 8 ? n8 : icv == 12 ? n12 : n16;
        return EncrSpec{aes_name(n, bits), bits / 8u + 4, 4, 8, 1, icv, true};
    }
    case encr::kChaCha20Poly1305:
        // RFC 7634 §2 and §4: 256-bit key plus 4 salt bytes, no Key Length attribute.
        if (bits != 0 && bits != 256) return std::nullopt;
        return EncrSpec{"CHACHA20_POLY1305", 36, 4, 8, 1, 16, true};
    default:
        return std::nullopt;
    }
}

std::optional<IntegSpec> integ_spec(std::uint16_t id) {
    switch (id) {
    case integ::kHmacSha1_96: return IntegSpec{"HMAC_SHA1_96", "SHA1", 20, 12};
    case integ::kHmacSha256_128: return IntegSpec{"HMAC_SHA2_256_128", "SHA2-256", 32, 16};
    case integ::kHmacSha384_192: return IntegSpec{"HMAC_SHA2_384_192", "SHA2-384", 48, 24};
    case integ::kHmacSha512_256: return IntegSpec{"HMAC_SHA2_512_256", "SHA2-512", 64, 32};
    default: return std::nullopt;
    }
}

Outcome<KeySizes> key_sizes(const TransformSet& t, bool ike) {
    auto e = encr_spec(t.encr, t.encr_key_bits);
    if (!e)
        return Failure{"unsupported encryption transform " + std::to_string(t.encr) + " with key length " +
                       std::to_string(t.encr_key_bits)};
    KeySizes k;
    k.encr_key = e->key_len;
    k.iv = e->iv_len;
    k.aead = e->aead;
    if (e->aead) {
        if (t.integ != integ::kNone) return Failure{std::string(e->name) + " is combined with an integrity transform"};
        k.icv = e->icv_len;
    } else {
        auto i = integ_spec(t.integ);
        if (!i) {
            if (t.integ == integ::kNone) return Failure{std::string(e->name) + " needs an integrity transform"};
            return Failure{"unsupported integrity transform " + std::to_string(t.integ)};
        }
        k.integ_key = i->key_len;
        k.icv = i->icv_len;
    }
    if (ike) {
        // RFC 7296 §3.3.2: ENCR_NULL is for ESP only.
        if (t.encr == encr::kNull) return Failure{"ENCR_NULL is not allowed for an IKE SA"};
        auto p = Prf::from_id(t.prf);
        if (!p) return Failure{"unsupported PRF transform " + std::to_string(t.prf)};
        k.prf_key = p->size();
    }
    return k;
}

}  // namespace vpn::ike
