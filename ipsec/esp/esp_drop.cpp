#include "ipsec/esp/esp_drop.hpp"

namespace vpn::esp {

const char* drop_name(Drop d) {
    switch (d) {
        case Drop::Truncated: return "truncated";
        case Drop::BadLength: return "bad-length";
        case Drop::WrongSpi: return "wrong-spi";
        case Drop::UnknownSpi: return "unknown-spi";
        case Drop::Replay: return "replay";
        case Drop::TooOld: return "too-old";
        case Drop::BadIcv: return "bad-icv";
        case Drop::BadPadding: return "bad-padding";
        case Drop::BadNextHeader: return "bad-next-header";
        case Drop::BadInner: return "bad-inner";
        case Drop::Dummy: return "dummy";
        case Drop::Malformed: return "malformed";
        case Drop::CryptoFailure: return "crypto-failure";
        case Drop::Count: break;
    }
    return "unknown";
}

}  // namespace vpn::esp
