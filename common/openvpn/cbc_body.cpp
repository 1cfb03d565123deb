#include "common/openvpn/cbc_body.hpp"

#include <cstring>

#include "common/crypto/cbc_unpad.hpp"

namespace vpn::ovpn {

CbcBody open_cbc_body(crypto::CbcCipher* cipher, std::size_t iv_len, std::size_t block, Bytes body, MutBytes out) {
    if (!cipher) {
        if (out.size() < body.size()) return {false, Drop::Oversize, 0};
        if (!body.empty()) std::memcpy(out.data(), body.data(), body.size());
        return {true, Drop::Count, body.size()};
    }
    if (body.size() < iv_len + 1) return {false, Drop::ShortPacket, 0};
    const auto opened = crypto::cbc_decrypt_unpad(*cipher, body.data(), body.subspan(iv_len), out, block);
    switch (opened.status) {
        case crypto::CbcOpenStatus::Ok: return {true, Drop::Count, opened.len};
        case crypto::CbcOpenStatus::BadCiphertext: return {false, Drop::BadCiphertext, 0};
        case crypto::CbcOpenStatus::BadPadding: return {false, Drop::BadPadding, 0};
        case crypto::CbcOpenStatus::Oversize: return {false, Drop::Oversize, 0};
    }
    return {false, Drop::BadCiphertext, 0};
}

}  // namespace vpn::ovpn
