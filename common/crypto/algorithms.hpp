#pragma once
// Cipher and digest lookup by OpenVPN name ("AES-256-CBC", "BF-CBC", "SHA256", "none"),
// through OpenSSL 3's EVP fetch.  Names are matched case-insensitively, as OpenSSL does;
// name() gives OpenVPN's canonical spelling, which is what the OCC options string and
// log lines show (crypto_openssl.c: cipher_kt_name, md_kt_name).
// Fetching happens once per data channel, never per packet.
#include <openssl/types.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace vpn::crypto {

// Unknown algorithm, unsupported mode, bad key, OpenSSL failure.
class CryptoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct EvpCipherFree {
    void operator()(EVP_CIPHER* c) const;
};
struct EvpMdFree {
    void operator()(EVP_MD* m) const;
};

class CipherAlgorithm {
public:
    // "none" (any case) gives the null cipher.  Ciphers only the "legacy" provider
    // has (BF-CBC, CAST5-CBC, ...) make it load that provider plus "default", once
    // per process.  Throws CryptoError("Cipher X not supported") if unknown or if
    // its key is longer than 64 bytes (OpenVPN's MAX_CIPHER_KEY_LENGTH).
    static CipherAlgorithm fetch(std::string_view name);

    bool is_none() const { return !evp_; }
    // OpenVPN's spelling: "AES-256-CBC", "BF-CBC", "CHACHA20-POLY1305"; "none".
    const std::string& name() const { return name_; }
    int key_length() const { return key_len_; }  // bytes; 0 for none
    int iv_length() const { return iv_len_; }    // bytes; 0 for none
    int block_size() const { return block_; }    // bytes; 1 for stream modes, 0 for none
    bool is_cbc() const;      // CBC and not an AEAD-flagged composite (cipher_kt_mode_cbc)
    bool is_aead() const;
    bool is_ofb_cfb() const;
    // True for 64-bit block ciphers (BF, DES, CAST5...): SWEET32-prone.
    bool is_insecure_block() const { return evp_ && block_ > 1 && block_ < 16; }
    const EVP_CIPHER* evp() const { return evp_.get(); }

private:
    std::shared_ptr<EVP_CIPHER> evp_;  // shared: copies of the algorithm are cheap
    std::string name_ = "none";
    int key_len_ = 0, iv_len_ = 0, block_ = 0;
    unsigned long mode_ = 0;
    unsigned long flags_ = 0;
};

class DigestAlgorithm {
public:
    // "none" (any case) gives the null digest.  Throws CryptoError for an unknown
    // digest or one longer than 64 bytes (OPENVPN_MAX_HMAC_SIZE).
    static DigestAlgorithm fetch(std::string_view name);

    bool is_none() const { return !evp_; }
    // OpenVPN's spelling: "SHA1", "SHA256", "SHA512"; "none".
    const std::string& name() const { return name_; }
    // OpenSSL's own name ("SHA2-256"), for EVP_MAC parameters.
    const char* evp_name() const;
    int size() const { return size_; }  // bytes; 0 for none
    const EVP_MD* evp() const { return evp_.get(); }

private:
    std::shared_ptr<EVP_MD> evp_;
    std::string name_ = "none";
    int size_ = 0;
};

// Load OpenSSL's "legacy" and "default" providers (idempotent, thread-safe).
// Returns false if the legacy provider is not installed.
bool load_legacy_provider();

// Canonical OpenVPN names as in the OCC string: "[null-cipher]" / "[null-digest]"
// for none.  Throw CryptoError for unknown names.  BF-CBC is answered without
// touching OpenSSL (options.c: options_string skips resolving it).
std::string occ_cipher_name(std::string_view name);
std::string occ_digest_name(std::string_view name);

}  // namespace vpn::crypto
