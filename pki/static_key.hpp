#pragma once
// OpenVPN "Static key V1" files (openvpn-wire.md §1.1): what `--secret`, `--tls-auth`
// and `--tls-crypt` read and `--genkey secret` writes.
//
//   #
//   # 2048 bit OpenVPN static key
//   #
//   -----BEGIN OpenVPN Static key V1-----
//   16 lines of 32 lower-case hex digits (256 bytes)
//   -----END OpenVPN Static key V1-----
//
// The reader is as tolerant as OpenVPN's (crypto.c: read_key_file): anything before
// the header line is ignored, whitespace inside the data is skipped, hex pairs may
// span lines, data after the 256th byte is ignored up to the footer.
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "common/crypto/key2.hpp"
#include "common/util/bytes.hpp"

namespace vpn::pki {

// A key file problem.  what() is "NAME: reason" (NAME = the path, or the name given
// to parse_static_key, e.g. "[inline]" or "client.conf:12").
class KeyFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// 256 bytes (two keys) or 128 (a legacy 1024-bit file, one key), wiped when destroyed.
// Accessors (key_count, cipher(i), hmac(i), raw) come from crypto::Key2, so a
// StaticKey is accepted wherever key material is (e.g. ovpn::StaticDataChannel).
class StaticKey : public crypto::Key2 {
public:
    StaticKey() = default;
    // `b`: 128 or 256 bytes, copied; throws std::invalid_argument otherwise.
    static StaticKey from_bytes(Bytes b);

private:
    explicit StaticKey(crypto::Key2 k) : crypto::Key2(std::move(k)) {}
};

// Parse key file text.  `name` is only used in error messages.  Throws KeyFileError
// for a non-hex character inside the data, fewer than 128 key bytes (or no header)
// and a missing footer, with OpenVPN's wording.  Between 128 and 255 bytes give one
// key, as in OpenVPN.
StaticKey parse_static_key(std::string_view text, const std::string& name);

// Read and parse the file at `path` (at most 64 KiB).  Logs "WARNING: file 'PATH' is
// group or others accessible" when the mode allows that, as OpenVPN does.  The file
// text is wiped from memory after parsing.  Throws KeyFileError.
StaticKey read_static_key_file(const std::string& path);

// The text `openvpn --genkey secret` writes: three comment lines, header, 8 lines of
// 16 bytes in lower-case hex per key, footer, final newline.  The result contains
// the key: wipe it (crypto::cleanse) when done.
std::string format_static_key(const StaticKey& k);

// 256 fresh bytes from the private DRBG (RAND_priv_bytes).  Throws
// crypto::CryptoError if the DRBG fails.
StaticKey generate_static_key();

// Write format_static_key(k) to `path` with mode 0600.  Stock OpenVPN 2.6 silently
// truncates an existing file (buffer.c: buffer_write_file, O_TRUNC); we refuse unless
// `overwrite` is set, because losing a shared secret by a typo is not recoverable.
// With `overwrite` an existing file is truncated and set to mode 0600.
// Throws KeyFileError("PATH: reason").
void write_static_key_file(const std::string& path, const StaticKey& k, bool overwrite = false);

}  // namespace vpn::pki
