#include "common/openvpn/drop_reason.hpp"

namespace vpn::ovpn {

const char* drop_name(Drop d) {
    switch (d) {
        case Drop::ShortPacket: return "short-packet";
        case Drop::BadHmac: return "bad-hmac";
        case Drop::BadCiphertext: return "bad-ciphertext";
        case Drop::BadPadding: return "bad-padding";
        case Drop::Replay: return "replay";
        case Drop::Decompress: return "decompress";
        case Drop::BadCompressHeader: return "bad-compress-header";
        case Drop::Oversize: return "oversize";
        case Drop::NoKey: return "no-key";
        case Drop::Count: break;
    }
    return "unknown";
}

}  // namespace vpn::ovpn
