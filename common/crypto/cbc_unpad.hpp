#pragma once
// CBC decryption followed by the PKCS#7 padding check, shared by the static-key and
// TLS-mode data channels.  The padding is checked over the whole last block without
// branching on each byte, so a bad-padding drop does not leak where it went wrong.
#include <cstddef>

#include "common/crypto/cbc_cipher.hpp"
#include "common/util/bytes.hpp"

namespace vpn::crypto {

enum class CbcOpenStatus { Ok, BadCiphertext /* not whole blocks, or the cipher failed */, BadPadding, Oversize };

struct CbcOpened {
    CbcOpenStatus status;
    std::size_t len;  // plaintext bytes in `out` without the padding, when Ok
};

// Decrypts `ct` (IV at `iv`) into `out` and strips the padding.  `block` is the
// cipher's block size; `out` must hold ct.size() bytes (else Oversize).
CbcOpened cbc_decrypt_unpad(CbcCipher& cipher, const std::uint8_t* iv, Bytes ct, MutBytes out, std::size_t block);

}  // namespace vpn::crypto
