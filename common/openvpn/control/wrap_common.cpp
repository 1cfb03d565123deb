#include "common/openvpn/control/wrap_common.hpp"

namespace vpn::ovpn::control {

std::optional<LongPacketIdSender::Value> LongPacketIdSender::next(std::int64_t now) {
    const auto now32 = static_cast<std::uint32_t>(now);
    if (time_ == 0) time_ = now32;
    if (id_ == UINT32_MAX) {
        // Long form may roll over, but only into a strictly newer time, or the
        // receiver's window would see (1, same time) as a replay.
        if (now32 <= time_) return std::nullopt;
        time_ = now32;
        id_ = 0;
    }
    ++id_;
    return Value{id_, time_};
}

}  // namespace vpn::ovpn::control
