#pragma once
// The control-channel wrapping a session uses, whichever it is: none, tls-auth or
// tls-crypt (openvpn-wire.md §5.2-§5.4).  A thin dispatcher so the session code
// holds one object and calls wrap()/unwrap() without caring which mode is on.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "common/openvpn/control/tls_auth.hpp"
#include "common/openvpn/control/tls_crypt.hpp"
#include "common/openvpn/control/wrap_common.hpp"

namespace vpn::ovpn::control {

enum class WrapMode : std::uint8_t { None, TlsAuth, TlsCrypt };

class ControlWrap {
public:
    ControlWrap() = default;  // mode None
    explicit ControlWrap(TlsAuth a) : impl_(std::move(a)) {}
    explicit ControlWrap(TlsCrypt c) : impl_(std::move(c)) {}

    WrapMode mode() const { return static_cast<WrapMode>(impl_.index()); }
    // Bytes wrap() adds: 0, md_len + 8, or 40.
    std::size_t overhead() const;

    // As TlsAuth/TlsCrypt::wrap.  None copies `plain` (>= 9 bytes) into `out`.
    std::size_t wrap(Bytes plain, MutBytes out, std::int64_t now);
    // As TlsAuth/TlsCrypt::unwrap.  None only checks the length (>= 9, else
    // ShortPacket) and returns `wire` itself as the packet.
    Unwrapped unwrap(Bytes wire, MutBytes out, std::int64_t now, ReplayCheck rc = ReplayCheck::Enforce);

    // No-ops for None.
    void set_send_position(std::uint32_t last_id, std::uint32_t time);
    void reset_receive();

    TlsAuth* tls_auth() { return std::get_if<TlsAuth>(&impl_); }
    TlsCrypt* tls_crypt() { return std::get_if<TlsCrypt>(&impl_); }

private:
    std::variant<std::monostate, TlsAuth, TlsCrypt> impl_;
};

}  // namespace vpn::ovpn::control
