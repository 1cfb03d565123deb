#pragma once
// What one OpenVPN TLS session needs to know besides the TLS context: its role, the
// control-channel wrapping, the key-method-2 strings and the negotiation inputs
// (openvpn-wire.md §5, §7, §8.3-§8.4).
#include <cstdint>
#include <optional>
#include <string>

#include "common/config/options.hpp"
#include "common/crypto/key2.hpp"
#include "common/crypto/secure_buffer.hpp"
#include "common/openvpn/control/control_wrap.hpp"
#include "common/openvpn/ncp.hpp"
#include "common/openvpn/protocol_flags.hpp"
#include "common/openvpn/tls_data_channel.hpp"

namespace vpn::ovpn::session {

// --tls-auth / --tls-crypt (or neither).
struct WrapConfig {
    control::WrapMode mode = control::WrapMode::None;
    crypto::Key2 key;  // the static key file's content
    config::KeyDirection direction = config::KeyDirection::Bidirectional;  // tls-auth only
    std::string auth = "SHA1";                                            // tls-auth digest
};

// A fresh wrap object for one session (each session has its own packet-id counter
// and replay window).  `server`: our TLS role (tls-crypt picks its keys by it).
// Throws crypto::CryptoError for an unusable key or digest.
control::ControlWrap make_control_wrap(const WrapConfig& w, bool server);

// How the data keys are settled once key method 2 is done.
enum class KeyMode : std::uint8_t {
    // TLS client with --pull: keys wait for the PUSH_REPLY (cipher, key-derivation
    // tls-ekm / protocol-flags ... tls-ekm); PRF and the NCP fallback if absent.
    PullClient,
    // --mode server: keys at once; EKM iff the client announced IV_PROTO bit 3; cipher
    // by negotiate_server_cipher().  push_options() says what to push.
    Server,
    // P2P TLS (no pull, no p2mp): both sides decide alike from IV_PROTO and IV_CIPHERS.
    P2p,
};

struct SessionConfig {
    KeyMode key_mode = KeyMode::PullClient;
    WrapConfig wrap;
    std::string options;    // OCC options string sent in key method 2
    std::string peer_info;  // IV_ lines (build_peer_info); "" from a p2mp server
    std::string username;   // auth-user-pass (client), "" = none
    crypto::SecureBuffer password;
    NcpConfig ncp{default_data_ciphers(), std::nullopt};
    unsigned implemented = iv_proto::kDataV2 | iv_proto::kTlsKeyExport;  // IV_PROTO bits we do
    int hand_window_s = 60;               // --hand-window
    int tran_window_s = 3600;             // --tran-window: how long an old key lives on
    std::int64_t tls_timeout_ms = 2000;   // --tls-timeout
    std::size_t max_packet_size = 1250;   // --max-packet-size (tls_mtu)
    TlsChannelParams data;                // replay settings and --auth; cipher is negotiated
    // Unix time in ms minus the caller's now_ms: the wall clock the wraps' long-form
    // packet ids carry.  Unset: taken from time() at start().  A server behind a
    // StatelessGate must give the gate and the session the same wall clock.
    std::optional<std::int64_t> wall_clock_offset_ms;
};

}  // namespace vpn::ovpn::session
