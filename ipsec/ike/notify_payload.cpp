#include "ipsec/ike/notify_payload.hpp"

#include <algorithm>

namespace vpn::ike {

Result<NotifyPayload> parse_notify(Bytes body) {
    Result<NotifyPayload> r;
    if (body.size() < 4) {
        r.error = CodecError::Truncated;
        return r;
    }
    NotifyPayload& n = r.value;
    n.protocol = static_cast<ProtocolId>(body[0]);
    n.spi_size = body[1];
    n.type = load_be16(body.data() + 2);
    if (n.spi_size > n.spi.size())
        r.error = CodecError::BadSpiSize;
    else if (body.size() - 4 < n.spi_size)
        r.error = CodecError::Truncated;
    if (r.error) return r;
    std::copy_n(body.begin() + 4, n.spi_size, n.spi.begin());
    n.data = body.subspan(4 + n.spi_size);
    return r;
}

std::size_t encoded_size(const NotifyPayload& p) { return 4 + p.spi_size + p.data.size(); }

bool encode(const NotifyPayload& p, MutBytes out) {
    if (p.spi_size > p.spi.size() || out.size() != encoded_size(p)) return false;
    out[0] = static_cast<std::uint8_t>(p.protocol);
    out[1] = p.spi_size;
    store_be16(out.data() + 2, p.type);
    auto w = std::copy_n(p.spi.begin(), p.spi_size, out.begin() + 4);
    std::copy(p.data.begin(), p.data.end(), w);
    return true;
}

Result<DeletePayload> parse_delete(Bytes body) {
    Result<DeletePayload> r;
    auto fail = [&r](CodecError e) {
        r.error = e;
        return r;
    };
    if (body.size() < 4) return fail(CodecError::Truncated);
    DeletePayload& d = r.value;
    d.protocol = static_cast<ProtocolId>(body[0]);
    d.spi_size = body[1];
    const std::size_t count = load_be16(body.data() + 2);
    if (d.spi_size != 0 && d.spi_size != 4) return fail(CodecError::BadSpiSize);
    if (d.spi_size == 0 && count != 0) return fail(CodecError::BadValue);
    const std::size_t need = count * d.spi_size;
    if (body.size() - 4 < need) return fail(CodecError::Truncated);
    if (body.size() - 4 > need) return fail(CodecError::TrailingBytes);
    d.spis.reserve(count);
    for (std::size_t i = 0; i < need; i += 4) d.spis.push_back(load_be32(body.data() + 4 + i));
    return r;
}

std::size_t encoded_size(const DeletePayload& p) { return 4 + 4 * p.spis.size(); }

bool encode(const DeletePayload& p, MutBytes out) {
    if (out.size() != encoded_size(p) || p.spis.size() > 0xffff) return false;
    if (!(p.spi_size == 4 || (p.spi_size == 0 && p.spis.empty()))) return false;
    out[0] = static_cast<std::uint8_t>(p.protocol);
    out[1] = p.spi_size;
    store_be16(out.data() + 2, static_cast<std::uint16_t>(p.spis.size()));
    for (std::size_t i = 0; i < p.spis.size(); ++i) store_be32(out.data() + 4 + 4 * i, p.spis[i]);
    return true;
}

}  // namespace vpn::ike
