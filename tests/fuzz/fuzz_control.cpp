// Control-channel input of any shape: packet parser, tls-auth and tls-crypt unwrap,
// key-method-2 and PUSH_REPLY parsers.
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/log/log.hpp"
#include "common/openvpn/control/control_packet.hpp"
#include "common/openvpn/control/tls_auth.hpp"
#include "common/openvpn/control/tls_crypt.hpp"
#include "common/openvpn/key_method2.hpp"
#include "common/openvpn/push_reply.hpp"
#include "pki/static_key.hpp"

using namespace vpn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static bool quiet = (log::set_verbosity(0), true);
    (void)quiet;
    static const pki::StaticKey key = [] {
        std::vector<std::uint8_t> raw(256);
        for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 13 + 5);
        return pki::StaticKey::from_bytes(raw);
    }();
    static ovpn::control::TlsAuth auth(key, config::KeyDirection::Normal, "SHA256");
    static ovpn::control::TlsCrypt crypt(key, true);
    static std::vector<std::uint8_t> out(70000);
    Bytes in(data, size);
    (void)ovpn::control::parse_control(in);
    (void)auth.unwrap(in, out, 1700000000, ovpn::control::ReplayCheck::Skip);
    (void)crypt.unwrap(in, out, 1700000000, ovpn::control::ReplayCheck::Skip);
    (void)ovpn::parse_key_method_2(in, true);
    (void)ovpn::parse_key_method_2(in, false);
    (void)ovpn::parse_push_reply(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
