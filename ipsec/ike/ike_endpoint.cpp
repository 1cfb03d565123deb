#include "ipsec/ike/ike_endpoint.hpp"

#include <algorithm>

namespace vpn::ike {

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddress ip;
    ip.bytes[0] = a;
    ip.bytes[1] = b;
    ip.bytes[2] = c;
    ip.bytes[3] = d;
    return ip;
}

std::optional<IpAddress> IpAddress::from_bytes(Bytes b) {
    if (b.size() != 4 && b.size() != 16) return std::nullopt;
    IpAddress ip;
    ip.len = static_cast<std::uint8_t>(b.size());
    std::copy(b.begin(), b.end(), ip.bytes.begin());
    return ip;
}

std::string IpAddress::str() const {
    // Written by hand: the protocol core stays free of socket headers.  IPv6 is
    // printed without "::" compression (logs only).
    std::string s;
    if (len == 4) {
        for (int i = 0; i < 4; ++i) s += (i ? "." : "") + std::to_string(bytes[i]);
        return s;
    }
    static const char* hexd = "0123456789abcdef";
    for (int i = 0; i < 16; i += 2) {
        if (i) s += ':';
        unsigned v = (unsigned(bytes[i]) << 8) | bytes[i + 1];
        bool lead = true;
        for (int sh = 12; sh >= 0; sh -= 4) {
            unsigned d = (v >> sh) & 15;
            if (d == 0 && lead && sh) continue;
            lead = false;
            s += hexd[d];
        }
    }
    return s;
}

std::string Endpoint::str() const {
    return ip.len == 16 ? "[" + ip.str() + "]:" + std::to_string(port) : ip.str() + ":" + std::to_string(port);
}

}  // namespace vpn::ike
