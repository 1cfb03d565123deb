#include "ipsec/esp/udp_encap.hpp"

#include "ipsec/esp/esp_crypto.hpp"
#include "ipsec/ike/ike_constants.hpp"

namespace vpn::esp {

const char* kind_name(Udp4500Kind k) {
    switch (k) {
        case Udp4500Kind::Keepalive: return "keepalive";
        case Udp4500Kind::Ike: return "ike";
        case Udp4500Kind::Esp: return "esp";
        case Udp4500Kind::Malformed: return "malformed";
    }
    return "?";
}

Udp4500 classify_udp4500(Bytes d) {
    Udp4500 r;
    if (d.size() == 1) {
        if (d[0] == 0xFF) r.kind = Udp4500Kind::Keepalive;
        return r;
    }
    // Below the marker there is no way to tell IKE from ESP; below 8 bytes an ESP
    // packet lacks even its sequence number.
    if (d.size() < kNonEspMarkerLen) return r;
    const std::uint32_t first = load_be32(d.data());
    if (first == 0) {
        if (d.size() >= kNonEspMarkerLen + ike::kHeaderLen) {
            r.kind = Udp4500Kind::Ike;
            r.body = d.subspan(kNonEspMarkerLen);
        }
        return r;
    }
    if (d.size() < kEspHeaderLen) return r;
    r.kind = Udp4500Kind::Esp;
    r.body = d;
    r.spi = first;
    return r;
}

}  // namespace vpn::esp
