#include "pki/key_spec.hpp"

#include <openssl/core_names.h>

#include <fmt/format.h>

#include "pki/pem_io.hpp"

namespace vpn::pki {

KeySpec KeySpec::rsa(int bits) {
    if (bits != 2048 && bits != 3072 && bits != 4096)
        throw PkiError(fmt::format("--rsa {}: expected 2048, 3072 or 4096", bits));
    KeySpec s;
    s.algo = Algo::Rsa;
    s.rsa_bits = bits;
    return s;
}

std::string KeySpec::describe() const {
    return algo == Algo::Rsa ? fmt::format("RSA {}", rsa_bits) : std::string("EC P-256");
}

EvpPkeyPtr generate_key(const KeySpec& spec) {
    EVP_PKEY* k = nullptr;
    if (spec.algo == KeySpec::Algo::Rsa) {
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.rsa_bits));
    } else {
        // Named-curve encoding (OpenSSL 3's default), which every TLS stack accepts.
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    }
    if (!k) throw PkiError(openssl_error(("cannot generate " + spec.describe() + " key").c_str()));
    return EvpPkeyPtr(k);
}

std::string describe_key(EVP_PKEY* key) {
    if (!key) return "?";
    if (EVP_PKEY_is_a(key, "RSA")) return fmt::format("RSA {}", EVP_PKEY_get_bits(key));
    if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = {0};
        size_t len = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1) {
            std::string g(group, len);
            if (g == "prime256v1") g = "P-256";
            else if (g == "secp384r1") g = "P-384";
            else if (g == "secp521r1") g = "P-521";
            return "EC " + g;
        }
        return fmt::format("EC {}", EVP_PKEY_get_bits(key));
    }
    const char* n = EVP_PKEY_get0_type_name(key);
    return n ? n : "?";
}

}  // namespace vpn::pki
