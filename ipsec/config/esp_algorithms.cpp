#include "ipsec/config/esp_algorithms.hpp"

#include <fmt/format.h>

namespace vpn::ipsec {

bool is_aead(std::uint16_t encr_id) {
    return encr_id == ike::encr::kAesGcm16 || encr_id == ike::encr::kChaCha20Poly1305;
}

std::size_t encr_key_bytes(std::uint16_t encr_id, std::uint16_t key_bits) {
    switch (encr_id) {
        case ike::encr::kAesCbc: return key_bits / 8;
        case ike::encr::kAesGcm16: return key_bits / 8 + 4;
        case ike::encr::k3Des: return 24;
        case ike::encr::kChaCha20Poly1305: return 32 + 4;
        default: return 0;
    }
}

std::size_t integ_key_bytes(std::uint16_t integ_id) {
    switch (integ_id) {
        case ike::integ::kHmacSha1_96: return 20;
        case ike::integ::kHmacSha256_128: return 32;
        case ike::integ::kHmacSha384_192: return 48;
        case ike::integ::kHmacSha512_256: return 64;
        default: return 0;
    }
}

namespace {

std::string encr_name(std::uint16_t id, std::uint16_t bits) {
    switch (id) {
        case ike::encr::kAesCbc: return fmt::format("aes{}", bits);
        case ike::encr::kAesGcm16: return fmt::format("aes{}gcm16", bits);
        case ike::encr::k3Des: return "3des";
        case ike::encr::kChaCha20Poly1305: return "chacha20poly1305";
        case ike::encr::kNull: return "null";
        default: return fmt::format("encr#{}", id);
    }
}

std::string hash_suffix(std::uint16_t id, std::string_view prefix) {
    switch (id) {
        case ike::integ::kHmacSha1_96: return fmt::format("{}sha1", prefix);
        case ike::integ::kHmacSha256_128: return fmt::format("{}sha256", prefix);
        case ike::integ::kHmacSha384_192: return fmt::format("{}sha384", prefix);
        case ike::integ::kHmacSha512_256: return fmt::format("{}sha512", prefix);
        default: return fmt::format("integ#{}", id);
    }
}

std::string prf_name(std::uint16_t id) {
    switch (id) {
        case ike::prf::kHmacSha1: return "prfsha1";
        case ike::prf::kHmacSha256: return "prfsha256";
        case ike::prf::kHmacSha384: return "prfsha384";
        case ike::prf::kHmacSha512: return "prfsha512";
        default: return fmt::format("prf#{}", id);
    }
}

std::string dh_name(std::uint16_t id) {
    switch (id) {
        case ike::dh::kModp2048: return "modp2048";
        case ike::dh::kModp3072: return "modp3072";
        case ike::dh::kModp4096: return "modp4096";
        case ike::dh::kEcp256: return "ecp256";
        case ike::dh::kEcp384: return "ecp384";
        case ike::dh::kEcp521: return "ecp521";
        case ike::dh::kCurve25519: return "x25519";
        default: return fmt::format("dh#{}", id);
    }
}

}  // namespace

std::string transform_name(ike::TransformType type, std::uint16_t id, std::uint16_t key_bits) {
    switch (type) {
        case ike::TransformType::Encr: return encr_name(id, key_bits);
        case ike::TransformType::Prf: return prf_name(id);
        case ike::TransformType::Integ: return hash_suffix(id, "");
        case ike::TransformType::Dh: return dh_name(id);
        case ike::TransformType::Esn: return id == ike::esn::kYes ? "esn" : "noesn";
    }
    return fmt::format("{}#{}", static_cast<int>(type), id);
}

std::string esp_algorithm_name(const EspAlgorithm& a) {
    std::string s = encr_name(a.encr_id, a.encr_key_bits);
    if (a.integ_id != ike::integ::kNone) s += "-" + hash_suffix(a.integ_id, "");
    return s;
}

}  // namespace vpn::ipsec
