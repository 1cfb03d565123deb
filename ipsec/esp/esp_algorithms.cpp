#include "ipsec/esp/esp_algorithms.hpp"

#include <string>

#include "ipsec/ike/ike_constants.hpp"

namespace vpn::esp {

bool is_aead(Encr e) { return e == Encr::AesGcm16; }

std::size_t encr_key_len(const Suite& s) {
    // RFC 4106 §8.1: the KEYMAT for GCM carries the salt after the key.
    return s.encr_bits / 8 + (s.encr == Encr::AesGcm16 ? 4 : 0);
}

std::size_t integ_key_len(Integ i) {
    switch (i) {
        case Integ::None: return 0;
        case Integ::HmacSha1_96: return 20;
        case Integ::HmacSha256_128: return 32;
        case Integ::HmacSha384_192: return 48;
        case Integ::HmacSha512_256: return 64;
    }
    return 0;
}

std::size_t icv_len(const Suite& s) {
    if (s.encr == Encr::AesGcm16) return 16;
    // RFC 4868: the ICV is half the digest; RFC 2404: SHA-1 truncated to 96 bits.
    return s.integ == Integ::HmacSha1_96 ? 12 : integ_key_len(s.integ) / 2;
}

std::size_t iv_len(Encr e) {
    switch (e) {
        case Encr::Null: return 0;
        case Encr::AesCbc: return 16;
        case Encr::TripleDesCbc: return 8;
        case Encr::AesGcm16: return 8;
    }
    return 0;
}

std::size_t pad_align(Encr e) {
    switch (e) {
        case Encr::AesCbc: return 16;
        case Encr::TripleDesCbc: return 8;
        default: return 4;  // stream-like: only the 4-byte alignment
    }
}

void validate(const Suite& s) {
    const unsigned b = s.encr_bits;
    switch (s.encr) {
        case Encr::Null:
            if (b != 0) throw EspError("ESP: null encryption takes no key");
            if (s.integ == Integ::None) throw EspError("ESP: null encryption needs an integrity algorithm");
            break;
        case Encr::TripleDesCbc:
            if (b != 192) throw EspError("ESP: 3des-cbc takes a 192-bit key");
            break;
        case Encr::AesCbc:
        case Encr::AesGcm16:
            if (b != 128 && b != 192 && b != 256) throw EspError("ESP: AES key must be 128, 192 or 256 bits");
            break;
    }
    if (is_aead(s.encr) && s.integ != Integ::None)
        throw EspError("ESP: an AEAD cipher takes no separate integrity algorithm");
    // RFC 4303 §3.2 allows confidentiality-only ESP; RFC 8221 §5 says not to, and
    // nothing we interoperate with proposes it.
    if (!is_aead(s.encr) && s.integ == Integ::None)
        throw EspError(std::string("ESP: ") + encr_name(s.encr) + " needs an integrity algorithm");
}

std::optional<Encr> encr_from_ike(std::uint16_t id) {
    switch (id) {
        case ike::encr::kNull: return Encr::Null;
        case ike::encr::kAesCbc: return Encr::AesCbc;
        case ike::encr::k3Des: return Encr::TripleDesCbc;
        case ike::encr::kAesGcm16: return Encr::AesGcm16;
        default: return std::nullopt;
    }
}

std::optional<Integ> integ_from_ike(std::uint16_t id) {
    switch (id) {
        case ike::integ::kNone: return Integ::None;
        case ike::integ::kHmacSha1_96: return Integ::HmacSha1_96;
        case ike::integ::kHmacSha256_128: return Integ::HmacSha256_128;
        case ike::integ::kHmacSha384_192: return Integ::HmacSha384_192;
        case ike::integ::kHmacSha512_256: return Integ::HmacSha512_256;
        default: return std::nullopt;
    }
}

std::uint16_t ike_id(Encr e) {
    switch (e) {
        case Encr::Null: return ike::encr::kNull;
        case Encr::AesCbc: return ike::encr::kAesCbc;
        case Encr::TripleDesCbc: return ike::encr::k3Des;
        case Encr::AesGcm16: return ike::encr::kAesGcm16;
    }
    return 0;
}

std::uint16_t ike_id(Integ i) {
    switch (i) {
        case Integ::None: return ike::integ::kNone;
        case Integ::HmacSha1_96: return ike::integ::kHmacSha1_96;
        case Integ::HmacSha256_128: return ike::integ::kHmacSha256_128;
        case Integ::HmacSha384_192: return ike::integ::kHmacSha384_192;
        case Integ::HmacSha512_256: return ike::integ::kHmacSha512_256;
    }
    return 0;
}

std::optional<Encr> encr_from_setkey(std::string_view n) {
    if (n == "aes-cbc" || n == "rijndael-cbc") return Encr::AesCbc;
    if (n == "3des-cbc") return Encr::TripleDesCbc;
    if (n == "aes-gcm-16") return Encr::AesGcm16;
    if (n == "null") return Encr::Null;
    return std::nullopt;
}

std::optional<Integ> integ_from_setkey(std::string_view n) {
    if (n == "hmac-sha1") return Integ::HmacSha1_96;
    // Linux (and strongSwan) use the RFC 4868 128-bit ICV for hmac-sha256; only
    // pre-2.6.33 kernels truncated to 96 bits (ikev2-esp.md §6.1).
    if (n == "hmac-sha256" || n == "hmac-sha2-256") return Integ::HmacSha256_128;
    if (n == "hmac-sha384" || n == "hmac-sha2-384") return Integ::HmacSha384_192;
    if (n == "hmac-sha512" || n == "hmac-sha2-512") return Integ::HmacSha512_256;
    if (n == "null") return Integ::None;
    return std::nullopt;
}

std::optional<unsigned> encr_bits_from_key_len(Encr e, std::size_t len) {
    switch (e) {
        case Encr::Null:
            if (len == 0) return 0u;
            break;
        case Encr::TripleDesCbc:
            if (len == 24) return 192u;
            break;
        case Encr::AesCbc:
            if (len == 16 || len == 24 || len == 32) return static_cast<unsigned>(len * 8);
            break;
        case Encr::AesGcm16:
            if (len == 20 || len == 28 || len == 36) return static_cast<unsigned>((len - 4) * 8);
            break;
    }
    return std::nullopt;
}

const char* encr_name(Encr e) {
    switch (e) {
        case Encr::Null: return "null";
        case Encr::AesCbc: return "aes-cbc";
        case Encr::TripleDesCbc: return "3des";
        case Encr::AesGcm16: return "aes-gcm16";
    }
    return "?";
}

const char* integ_name(Integ i) {
    switch (i) {
        case Integ::None: return "none";
        case Integ::HmacSha1_96: return "sha1";
        case Integ::HmacSha256_128: return "sha256";
        case Integ::HmacSha384_192: return "sha384";
        case Integ::HmacSha512_256: return "sha512";
    }
    return "?";
}

}  // namespace vpn::esp
