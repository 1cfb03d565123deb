#pragma once
// tls-auth: the HMAC firewall in front of the control channel (openvpn-wire.md §5.3;
// ssl_pkt.c: tls_wrap_control, swap_hmac, read_control_auth).
//
//   wire:      [op 1][session id 8][HMAC md_len][packet id 4][time 4][acks ... payload]
//   HMAC over: packet id | time | op | session id | acks ... payload     (not wire order)
//
// The digest is --auth (default SHA1); the HMAC key is the `.hmac` half of the static
// key slot chosen by the key direction (§1.3): none -> keys[0] both ways, 0 -> send
// keys[0] / receive keys[1], 1 -> send keys[1] / receive keys[0].  The packet id is
// long form with its own counter per TLS session, advanced on every transmission.
//
// unwrap() order: length, HMAC (constant time), then replay window -- nothing else
// looks at an unauthenticated packet.  Neither direction allocates.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/config/options.hpp"
#include "common/crypto/hmac.hpp"
#include "common/crypto/key2.hpp"
#include "common/openvpn/control/wrap_common.hpp"
#include "common/openvpn/replay_window.hpp"

namespace vpn::ovpn::control {

class TlsAuth {
public:
    // `auth`: the --auth digest name ("SHA1", "SHA256", ...).  Throws
    // crypto::CryptoError for an unknown digest or "none", or a key with fewer
    // keys than the direction needs (a 1024-bit file only works bidirectionally);
    // std::invalid_argument for replay parameters out of range.
    TlsAuth(const crypto::Key2& key, config::KeyDirection dir, std::string_view auth = "SHA1",
            ReplayParams replay = {});

    // Bytes wrap() adds: md_len + 8 (SHA1: 28, SHA256: 40).
    std::size_t overhead() const { return hmac_len_ + 8; }

    // Wrap the plain control packet `plain` (at least opcode + session id) into
    // `out`; returns the wire length, or 0 if `plain` is shorter than 9 bytes, `out`
    // is smaller than plain.size() + overhead(), the packet id is exhausted, or
    // OpenSSL fails.  `out` must not overlap `plain`.  `now`: Unix seconds (the
    // long-form time of a new counter sequence).
    std::size_t wrap(Bytes plain, MutBytes out, std::int64_t now);

    // Authenticate `wire`; on success the plain packet is written into `out`
    // (which needs wire.size() - md_len bytes, else Drop::Oversize) and returned as
    // `packet`.  Drops: ShortPacket (< 17 + md_len bytes), BadHmac, Replay.
    // `out` must not overlap `wire`.  `now`: Unix seconds for the replay window.
    Unwrapped unwrap(Bytes wire, MutBytes out, std::int64_t now, ReplayCheck rc = ReplayCheck::Enforce);

    // Position of the send counter (see LongPacketIdSender::set).
    void set_send_position(std::uint32_t last_id, std::uint32_t time) { send_id_.set(last_id, time); }
    std::uint32_t last_sent_id() const { return send_id_.last_id(); }
    // Forget the receive history (new session).
    void reset_receive() { replay_.reset(); }

private:
    crypto::Hmac hmac_out_;
    crypto::Hmac hmac_in_;
    std::size_t hmac_len_;
    LongPacketIdSender send_id_;
    ReplayWindow replay_;
};

}  // namespace vpn::ovpn::control
