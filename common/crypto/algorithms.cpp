#include "common/crypto/algorithms.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <cstdlib>
#include <mutex>
#include <strings.h>

namespace vpn::crypto {
namespace {

constexpr int kMaxCipherKeyLen = 64;  // crypto_backend.h: MAX_CIPHER_KEY_LENGTH
constexpr int kMaxHmacLen = 64;       // crypto.h: OPENVPN_MAX_HMAC_SIZE

struct NamePair {
    const char* openvpn;
    const char* openssl;
};

// crypto_openssl.c: cipher_name_translation_table -- OpenSSL spells a few AEAD
// ciphers differently from what OpenVPN prints and expects on the wire.
constexpr NamePair kCipherNames[] = {
    {"AES-128-GCM", "id-aes128-GCM"},
    {"AES-192-GCM", "id-aes192-GCM"},
    {"AES-256-GCM", "id-aes256-GCM"},
    {"CHACHA20-POLY1305", "ChaCha20-Poly1305"},
};

// crypto_openssl.c: digest_name_translation_table -- OpenSSL 3 reports "SHA2-256"
// where OpenVPN (and its OCC string) says "SHA256".
constexpr NamePair kDigestNames[] = {
    {"BLAKE2s256", "BLAKE2S-256"}, {"BLAKE2b512", "BLAKE2B-512"}, {"RIPEMD160", "RIPEMD-160"},
    {"SHA224", "SHA2-224"},        {"SHA256", "SHA2-256"},        {"SHA384", "SHA2-384"},
    {"SHA512", "SHA2-512"},        {"SHA512-224", "SHA2-512/224"}, {"SHA512-256", "SHA2-512/256"},
    {"SHAKE128", "SHAKE-128"},     {"SHAKE256", "SHAKE-256"},
};

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool is_none_name(std::string_view name) { return iequals(name, "none"); }

// OpenVPN name -> the name OpenSSL fetches by.
std::string cipher_fetch_name(std::string_view name) {
    for (const auto& p : kCipherNames)
        if (iequals(name, p.openvpn)) return p.openssl;
    return std::string(name);
}

std::string cipher_openvpn_name(const char* openssl_name) {
    for (const auto& p : kCipherNames)
        if (iequals(openssl_name, p.openssl)) return p.openvpn;
    return openssl_name;
}

std::string digest_openvpn_name(const char* openssl_name) {
    for (const auto& p : kDigestNames)
        if (iequals(openssl_name, p.openssl)) return p.openvpn;
    return openssl_name;
}

EVP_CIPHER* fetch_cipher(const std::string& name) {
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name.c_str(), nullptr);
    if (!c && load_legacy_provider()) {
        // BF-CBC and friends live in the legacy provider, which OpenSSL 3 does not
        // load by default; stock 2.6 needs `--providers legacy default` for them.
        ERR_clear_error();
        c = EVP_CIPHER_fetch(nullptr, name.c_str(), nullptr);
    }
    ERR_clear_error();
    return c;
}

}  // namespace

void EvpCipherFree::operator()(EVP_CIPHER* c) const { EVP_CIPHER_free(c); }
void EvpMdFree::operator()(EVP_MD* m) const { EVP_MD_free(m); }

bool load_legacy_provider() {
    static std::once_flag once;
    static bool ok = false;
    static OSSL_PROVIDER* legacy = nullptr;
    static OSSL_PROVIDER* deflt = nullptr;
    std::call_once(once, [] {
        // Loading any provider explicitly stops OpenSSL from loading "default"
        // implicitly, so load both (as `--providers legacy default` does).
        legacy = OSSL_PROVIDER_load(nullptr, "legacy");
        deflt = OSSL_PROVIDER_load(nullptr, "default");
        ok = legacy != nullptr && deflt != nullptr;
        ERR_clear_error();
        // Registered after OpenSSL's own exit handler, so it runs before it.
        std::atexit([] {
            if (legacy) OSSL_PROVIDER_unload(legacy);
            if (deflt) OSSL_PROVIDER_unload(deflt);
        });
    });
    return ok;
}

CipherAlgorithm CipherAlgorithm::fetch(std::string_view name) {
    CipherAlgorithm a;
    if (is_none_name(name)) return a;
    EVP_CIPHER* c = fetch_cipher(cipher_fetch_name(name));
    if (!c) throw CryptoError("Cipher " + std::string(name) + " not supported");
    a.evp_.reset(c, EvpCipherFree{});
    a.key_len_ = EVP_CIPHER_get_key_length(c);
    a.iv_len_ = EVP_CIPHER_get_iv_length(c);
    a.block_ = EVP_CIPHER_get_block_size(c);
    a.mode_ = EVP_CIPHER_get_mode(c);
    a.flags_ = EVP_CIPHER_get_flags(c);
    a.name_ = cipher_openvpn_name(EVP_CIPHER_get0_name(c));
    if (a.key_len_ > kMaxCipherKeyLen)
        throw CryptoError("Cipher " + a.name_ + " not supported: key longer than 64 bytes");
    return a;
}

bool CipherAlgorithm::is_cbc() const {
    // crypto_openssl.c: cipher_kt_mode_cbc excludes the AEAD-flagged composites
    // such as AES-128-CBC-HMAC-SHA1.
    return evp_ && mode_ == EVP_CIPH_CBC_MODE && !(flags_ & EVP_CIPH_FLAG_AEAD_CIPHER);
}

bool CipherAlgorithm::is_aead() const {
    return evp_ && (flags_ & EVP_CIPH_FLAG_AEAD_CIPHER) != 0;
}

bool CipherAlgorithm::is_ofb_cfb() const {
    return evp_ && (mode_ == EVP_CIPH_OFB_MODE || mode_ == EVP_CIPH_CFB_MODE) &&
           !(flags_ & EVP_CIPH_FLAG_AEAD_CIPHER);
}

DigestAlgorithm DigestAlgorithm::fetch(std::string_view name) {
    DigestAlgorithm d;
    if (is_none_name(name)) return d;
    EVP_MD* m = EVP_MD_fetch(nullptr, std::string(name).c_str(), nullptr);
    ERR_clear_error();
    if (!m) throw CryptoError("Message hash algorithm '" + std::string(name) + "' not found");
    d.evp_.reset(m, EvpMdFree{});
    d.size_ = EVP_MD_get_size(m);
    d.name_ = digest_openvpn_name(EVP_MD_get0_name(m));
    if (d.size_ <= 0 || d.size_ > kMaxHmacLen)
        throw CryptoError("HMAC '" + std::string(name) + "' not allowed: digest size too big.");
    return d;
}

const char* DigestAlgorithm::evp_name() const { return evp_ ? EVP_MD_get0_name(evp_.get()) : ""; }

std::string occ_cipher_name(std::string_view name) {
    if (is_none_name(name)) return "[null-cipher]";
    if (iequals(name, "BF-CBC")) return "BF-CBC";
    return CipherAlgorithm::fetch(name).name();
}

std::string occ_digest_name(std::string_view name) {
    if (is_none_name(name)) return "[null-digest]";
    return DigestAlgorithm::fetch(name).name();
}

}  // namespace vpn::crypto
