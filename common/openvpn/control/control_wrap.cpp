#include "common/openvpn/control/control_wrap.hpp"

#include <cstring>

#include "common/openvpn/control/control_packet.hpp"

namespace vpn::ovpn::control {

std::size_t ControlWrap::overhead() const {
    if (auto* a = std::get_if<TlsAuth>(&impl_)) return a->overhead();
    if (std::holds_alternative<TlsCrypt>(impl_)) return TlsCrypt::kOverhead;
    return 0;
}

std::size_t ControlWrap::wrap(Bytes plain, MutBytes out, std::int64_t now) {
    if (auto* a = std::get_if<TlsAuth>(&impl_)) return a->wrap(plain, out, now);
    if (auto* c = std::get_if<TlsCrypt>(&impl_)) return c->wrap(plain, out, now);
    if (plain.size() < kHeaderLen || out.size() < plain.size()) return 0;
    std::memmove(out.data(), plain.data(), plain.size());
    return plain.size();
}

Unwrapped ControlWrap::unwrap(Bytes wire, MutBytes out, std::int64_t now, ReplayCheck rc) {
    if (auto* a = std::get_if<TlsAuth>(&impl_)) return a->unwrap(wire, out, now, rc);
    if (auto* c = std::get_if<TlsCrypt>(&impl_)) return c->unwrap(wire, out, now, rc);
    Unwrapped r;
    if (wire.size() < kHeaderLen) {
        r.reason = Drop::ShortPacket;
        return r;
    }
    r.ok = true;
    r.packet = wire;
    return r;
}

void ControlWrap::set_send_position(std::uint32_t last_id, std::uint32_t time) {
    if (auto* a = std::get_if<TlsAuth>(&impl_)) a->set_send_position(last_id, time);
    if (auto* c = std::get_if<TlsCrypt>(&impl_)) c->set_send_position(last_id, time);
}

void ControlWrap::reset_receive() {
    if (auto* a = std::get_if<TlsAuth>(&impl_)) a->reset_receive();
    if (auto* c = std::get_if<TlsCrypt>(&impl_)) c->reset_receive();
}

}  // namespace vpn::ovpn::control
