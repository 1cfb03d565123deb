#include "common/openvpn/session/session_config.hpp"

namespace vpn::ovpn::session {

control::ControlWrap make_control_wrap(const WrapConfig& w, bool server) {
    switch (w.mode) {
        case control::WrapMode::TlsAuth:
            return control::ControlWrap(control::TlsAuth(w.key, w.direction, w.auth));
        case control::WrapMode::TlsCrypt:
            return control::ControlWrap(control::TlsCrypt(w.key, server));
        case control::WrapMode::None:
            break;
    }
    return control::ControlWrap();
}

}  // namespace vpn::ovpn::session
