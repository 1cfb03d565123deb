#pragma once
// The front door of a UDP server for packets from peers without a session: answers a
// client's HARD_RESET_CLIENT_V2 without keeping state and recognises the packet that
// proves the client saw that answer (openvpn-wire.md §5.7; mudp.c:
// do_pre_decrypt_check, send_hmac_reset_packet; ssl_pkt.c: tls_pre_decrypt_lite).
//
//   reset       -> Reply:  send `reply` back (an ordinary HARD_RESET_SERVER_V2 whose
//                          session id is the cookie; wrap packet id 1)
//   CONTROL_V1 / ACK_V1 acking the cookie
//               -> Accept: TlsSession::from_cookie(server_sid, client_sid), then give
//                          the same packet to the new session's on_packet()
//   anything else (bad wrap, key_id != 0, tls-crypt-v2, stale cookie) -> Drop
//
// Authentication runs before anything else, with the replay window skipped (the
// gate keeps no per-peer state); the new session's own wrap enforces replay from
// then on.  Rate limiting (--connect-freq-initial) is the caller's.
#include <cstdint>
#include <vector>

#include "common/openvpn/control/session_cookie.hpp"
#include "common/openvpn/session/session_config.hpp"

namespace vpn::ovpn::session {

class StatelessGate {
public:
    // A random cookie key.  Throws crypto::CryptoError for an unusable wrap key.
    StatelessGate(const WrapConfig& wrap, int hand_window_s = 60);
    // A fixed cookie key (>= 32 bytes), for tests.
    StatelessGate(const WrapConfig& wrap, int hand_window_s, Bytes cookie_key);

    struct Result {
        enum class Kind : std::uint8_t { Drop, Reply, Accept };
        Kind kind = Kind::Drop;
        std::vector<std::uint8_t> reply;  // Reply: the wire packet to send back
        control::SessionId server_sid{};  // Accept: our session id (the cookie) ...
        control::SessionId client_sid{};  // ... and the client's
    };

    // `wire`: the datagram; `peer`: the client's raw socket address (<= 128 bytes);
    // `now_s`: Unix seconds.
    Result on_packet(Bytes wire, Bytes peer, std::int64_t now_s);

private:
    control::ControlWrap wrap_;
    control::SessionCookie cookie_;
    int hand_window_s_;
    std::vector<std::uint8_t> plain_, out_, wire_;
};

}  // namespace vpn::ovpn::session
