#include "ipsec/ike/cp_payload.hpp"

#include <algorithm>

namespace vpn::ike {

const CfgAttribute* CpPayload::find(std::uint16_t t) const {
    for (const auto& a : attributes)
        if (a.type == t) return &a;
    return nullptr;
}

Result<CpPayload> parse_cp(Bytes body) {
    Result<CpPayload> r;
    if (body.size() < 4) {
        r.error = CodecError::Truncated;
        return r;
    }
    r.value.type = static_cast<CfgType>(body[0]);
    std::size_t pos = 4;
    while (pos != body.size()) {
        if (body.size() - pos < 4) {
            r.error = CodecError::Truncated;
            return r;
        }
        const std::size_t len = load_be16(body.data() + pos + 2);
        if (body.size() - pos - 4 < len) {
            r.error = CodecError::Truncated;
            return r;
        }
        // The top bit is reserved (§3.15.1): ignored, not part of the type.
        r.value.attributes.push_back({static_cast<std::uint16_t>(load_be16(body.data() + pos) & 0x7fff),
                                      body.subspan(pos + 4, len)});
        pos += 4 + len;
    }
    return r;
}

std::size_t encoded_size(const CpPayload& p) {
    std::size_t n = 4;
    for (const auto& a : p.attributes) n += 4 + a.value.size();
    return n;
}

bool encode(const CpPayload& p, MutBytes out) {
    if (out.size() != encoded_size(p)) return false;
    std::uint8_t* w = out.data();
    w[0] = static_cast<std::uint8_t>(p.type);
    w[1] = w[2] = w[3] = 0;
    w += 4;
    for (const auto& a : p.attributes) {
        if (a.type > 0x7fff || a.value.size() > 0xffff) return false;
        store_be16(w, a.type);
        store_be16(w + 2, static_cast<std::uint16_t>(a.value.size()));
        w = std::copy(a.value.begin(), a.value.end(), w + 4);
    }
    return true;
}

}  // namespace vpn::ike
