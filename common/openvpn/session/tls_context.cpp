#include "common/openvpn/session/tls_context.hpp"

namespace vpn::ovpn::session {

TlsContext::~TlsContext() = default;

}  // namespace vpn::ovpn::session
