#include "common/crypto/cbc_unpad.hpp"

#include <algorithm>

namespace vpn::crypto {

CbcOpened cbc_decrypt_unpad(CbcCipher& cipher, const std::uint8_t* iv, Bytes ct, MutBytes out, std::size_t block) {
    if (block == 0 || ct.empty() || ct.size() % block != 0) return {CbcOpenStatus::BadCiphertext, 0};
    if (out.size() < ct.size()) return {CbcOpenStatus::Oversize, 0};
    if (!cipher.run(iv, ct.data(), ct.size(), out.data())) return {CbcOpenStatus::BadCiphertext, 0};
    const std::size_t pad = out[ct.size() - 1];
    std::uint8_t bad = (pad == 0 || pad > block) ? 1 : 0;
    const std::size_t check = std::min(block, ct.size());
    for (std::size_t i = 0; i < check; ++i) {
        const std::uint8_t in_pad = i < pad ? 0xff : 0;
        bad |= in_pad & (out[ct.size() - 1 - i] ^ static_cast<std::uint8_t>(pad));
    }
    if (bad) return {CbcOpenStatus::BadPadding, 0};
    return {CbcOpenStatus::Ok, ct.size() - pad};
}

}  // namespace vpn::crypto
