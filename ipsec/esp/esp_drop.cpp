#include "ipsec/esp/esp_drop.hpp"

#include <fmt/format.h>

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

std::uint64_t DropCounters::total() const {
    std::uint64_t t = 0;
    for (auto v : n_) t += v;
    return t;
}

std::string DropCounters::summary() const {
    std::string s;
    for (std::size_t i = 0; i < n_.size(); ++i) {
        if (!n_[i]) continue;
        if (!s.empty()) s += ' ';
        s += fmt::format("{}={}", drop_name(static_cast<Drop>(i)), n_[i]);
    }
    return s.empty() ? "none" : s;
}

}  // namespace vpn::esp
