#pragma once
// The part of a CBC+HMAC data packet behind the (already checked) HMAC, shared by
// the static-key (openvpn-wire.md §3.2) and TLS-mode (§3.4) channels: IV |
// ciphertext, or the plaintext itself with `cipher none`.
#include <cstddef>

#include "common/crypto/cbc_cipher.hpp"
#include "common/openvpn/drop_reason.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ovpn {

struct CbcBody {
    bool ok;
    Drop reason;      // when !ok
    std::size_t len;  // when ok: plaintext bytes in `out` (packet id first), padding removed
};

// Decrypts (cipher != nullptr) or copies `body` into `out`.  Drops: ShortPacket (no
// room for IV + one byte), BadCiphertext, BadPadding, Oversize (`out` too small).
CbcBody open_cbc_body(crypto::CbcCipher* cipher, std::size_t iv_len, std::size_t block, Bytes body, MutBytes out);

}  // namespace vpn::ovpn
