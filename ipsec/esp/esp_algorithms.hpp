#pragma once
// ESP transforms (RFC 4303 §3.2; RFC 8221): what each needs in key material and
// adds to a packet, and the two ways a user or a peer names them: IKEv2 transform
// IDs (RFC 7296 §3.3.2, ike_constants.hpp) and setkey(8) algorithm names
// (ikev2-esp.md §6.1).  Pure tables; the keyed contexts are in esp_crypto.hpp.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace vpn::esp {

// A bad SA definition: unknown algorithm, wrong key length, forbidden combination.
class EspError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

enum class Encr : std::uint8_t {
    Null,          // ENCR_NULL (RFC 2410): integrity only
    AesCbc,        // RFC 3602, 16-byte random IV
    TripleDesCbc,  // RFC 2451, 8-byte random IV
    AesGcm16,      // RFC 4106, key | 4-byte salt, 8-byte IV, 16-byte ICV
};

enum class Integ : std::uint8_t {
    None,            // only with an AEAD cipher
    HmacSha1_96,     // RFC 2404
    HmacSha256_128,  // RFC 4868
    HmacSha384_192,
    HmacSha512_256,
};

// The algorithms of one SA.  `encr_bits`: the cipher key in bits without salt
// (AES 128/192/256, 3DES 192, NULL 0).
struct Suite {
    Encr encr = Encr::AesGcm16;
    unsigned encr_bits = 128;
    Integ integ = Integ::None;
};

bool is_aead(Encr e);
// Key material one direction takes: cipher key plus, for GCM, the 4-byte salt.
std::size_t encr_key_len(const Suite& s);
std::size_t integ_key_len(Integ i);  // = the HMAC's digest length; 0 for None
std::size_t icv_len(const Suite& s);
std::size_t iv_len(Encr e);
// What the encrypted part is padded to: the cipher block rounded up to 4 bytes
// (RFC 4303 §2.4: the ICV must start 4-byte aligned).
std::size_t pad_align(Encr e);

// Throws EspError unless the suite is usable: AES bits 128/192/256, 3DES 192,
// NULL 0; Integ::None exactly with AEAD; never NULL without integrity.
void validate(const Suite& s);

// IKEv2 transform IDs.  nullopt: not an ESP transform we implement.
std::optional<Encr> encr_from_ike(std::uint16_t transform_id);
std::optional<Integ> integ_from_ike(std::uint16_t transform_id);
std::uint16_t ike_id(Encr e);
std::uint16_t ike_id(Integ i);

// setkey(8) names: -E aes-cbc|rijndael-cbc|3des-cbc|aes-gcm-16|null,
// -A hmac-sha1|hmac-sha256|hmac-sha2-256|hmac-sha384|hmac-sha512|null.
std::optional<Encr> encr_from_setkey(std::string_view name);
std::optional<Integ> integ_from_setkey(std::string_view name);
// The cipher key size implied by `len` bytes of setkey key material (GCM: the
// last 4 bytes are salt); nullopt if no valid size matches.
std::optional<unsigned> encr_bits_from_key_len(Encr e, std::size_t len);

// Log names: "aes-cbc", "aes-gcm16", "3des", "null"; "sha1", "sha256", "sha384",
// "sha512", "none" (the key size is logged beside them).
const char* encr_name(Encr e);
const char* integ_name(Integ i);

}  // namespace vpn::esp
