#include "common/openvpn/drop_reason.hpp"

#include <fmt/format.h>

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

}  // namespace vpn::ovpn
