#pragma once
// The key-method-2 message: the first application data each side writes into the TLS
// session (openvpn-wire.md §7.1; ssl.c: key_method_2_write, key_method_2_read,
// key_source2_randomize_write, key_source2_read, write_string, read_string).
//
//   uint32   0                      (legacy key method 1 area; ignored on read)
//   uint8    key method | flags     (low 4 bits must be 2)
//   [48]     pre_master             (TLS client only)
//   [32]     random1
//   [32]     random2
//   str      options string (OCC, §8.8), < 512 bytes with its NUL
//   str      username               (empty: none)
//   str      password               (empty: none)
//   str      peer-info              (IV_ lines, §8.4; empty from a p2mp server)
//   str   =  uint16 length INCLUDING a trailing NUL | bytes | NUL;  empty = uint16 0
//
// The whole message travels in one TLS record and must fit OpenVPN's 2048-byte
// plaintext buffers (TLS_CHANNEL_BUF_SIZE).
#include <cstddef>
#include <string>

#include "common/crypto/secure_buffer.hpp"
#include "common/openvpn/tls_key_derivation.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ovpn {

inline constexpr std::size_t kOptionsStringMax = 512;   // TLS_OPTIONS_LEN, NUL included
inline constexpr std::size_t kUserPassMax = 4096;       // USER_PASS_LEN of Debian's 2.6 (PKCS#11 build), NUL included
inline constexpr std::size_t kKeyMethod2MaxLen = 2048;  // TLS_CHANNEL_BUF_SIZE

struct KeyMethod2 {
    KeySource source;               // a client source (with pre_master) iff written by the TLS client
    std::string options;            // the OCC options string
    std::string username;           // empty: none sent
    crypto::SecureBuffer password;  // empty: none sent; no NUL inside
    std::string peer_info;          // empty: none sent
};

// Encode `m`; whether the client or the server layout is written follows
// m.source.is_client().  Throws std::invalid_argument for an empty source, a string
// holding a NUL, options of 512 bytes or more, or a message over 2048 bytes.  The
// result holds the key source, hence the SecureBuffer.
crypto::SecureBuffer build_key_method_2(const KeyMethod2& m);

struct KeyMethod2Result {
    bool ok = false;
    std::string error;  // when !ok: what was wrong, for one log line (no secrets)
    KeyMethod2 message;  // when ok
    // Username or password longer than kUserPassMax (NUL included): stock 2.6 reads
    // on but fails the authentication ("Username or password is too long"); both
    // fields are then left empty here.
    bool credentials_too_long = false;
};

// Decode a message written by the TLS client (`from_client`, carrying the pre_master)
// or by the TLS server.  Errors (as key_method_2_read): shorter than the fixed part,
// key method other than 2, options string over 512 bytes or cut short, username or
// password cut short.  Strings end at their first NUL.  A missing, empty or cut-short
// peer-info is no error (it reads as empty), and trailing bytes are ignored, as in
// stock 2.6.
KeyMethod2Result parse_key_method_2(Bytes msg, bool from_client);

}  // namespace vpn::ovpn
