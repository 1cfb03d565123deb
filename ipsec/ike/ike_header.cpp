#include "ipsec/ike/ike_header.hpp"

#include <algorithm>

namespace vpn::ike {

Result<IkeHeader> parse_header(Bytes datagram) {
    Result<IkeHeader> r;
    if (datagram.size() < kHeaderLen) {
        r.error = CodecError::Truncated;
        return r;
    }
    const std::uint8_t* p = datagram.data();
    IkeHeader& h = r.value;
    std::copy_n(p, 8, h.spi_i.begin());
    std::copy_n(p + 8, 8, h.spi_r.begin());
    h.next_payload = static_cast<PayloadType>(p[16]);
    h.version = p[17];
    h.exchange = static_cast<ExchangeType>(p[18]);
    h.flags = p[19];
    h.message_id = load_be32(p + 20);
    h.length = load_be32(p + 24);
    // Version first: an IKEv3 message may be framed differently, and the caller
    // wants to know it is one (to answer INVALID_MAJOR_VERSION) before anything else.
    if (h.major_version() != 2)
        r.error = CodecError::BadVersion;
    else if (h.length != datagram.size())
        r.error = CodecError::LengthMismatch;
    return r;
}

void write_header(const IkeHeader& h, std::uint8_t* out) {
    std::copy(h.spi_i.begin(), h.spi_i.end(), out);
    std::copy(h.spi_r.begin(), h.spi_r.end(), out + 8);
    out[16] = static_cast<std::uint8_t>(h.next_payload);
    out[17] = h.version;
    out[18] = static_cast<std::uint8_t>(h.exchange);
    out[19] = h.flags;
    store_be32(out + 20, h.message_id);
    store_be32(out + 24, h.length);
}

}  // namespace vpn::ike
