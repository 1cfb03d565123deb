#pragma once
// One peer's data session as a sans-IO state machine: the whole static-key tunnel,
// and the data half of a TLS-mode one (TlsLink adds the control channel).
//
//   TUN packet ─► encapsulate: compress framing ─► seal ─► datagram for the link
//   datagram   ─► decapsulate: open (HMAC, decrypt, replay) ─► unframe ─► ping / OCC
//                                                                      └► packet for TUN
//   on_timer(now) ─► keepalive pings, OCC requests, ping-restart / ping-exit, exit notify
//
// The session owns keys, replay and compression state and the liveness timers; it
// owns no sockets and no packet buffers: callers pass slot buffers in and get spans
// of them back.  Control payloads the session wants sent (ping, OCC) are queued and
// drained by the caller with next_control(), then sealed like any payload.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "common/compress/lzo_framing.hpp"
#include <memory>

#include "common/openvpn/static_data_channel.hpp"
#include "common/util/bytes.hpp"
#include "p2p/data_codec.hpp"
#include "p2p/link_session.hpp"
#include "p2p/tunnel_stats.hpp"

namespace vpn::p2p {

struct SessionConfig {
    bool lzo_framing = false;   // comp-lzo / compress lzo: 1-byte header on every payload
    bool lzo_compress = false;  // we also compress (not with allow-compression asym)
    bool lzo_adaptive = false;
    bool tap = false;
    std::uint16_t mss = 0;  // mssfix clamp for TCP SYNs both ways (IPv4 value); 0 = off
    int ping = 0;
    int ping_restart = 0;
    int ping_exit = 0;
    int explicit_exit_notify = 0;  // seconds of OCC_EXIT at shutdown; 0 = exit at once
    bool mute_replay_warnings = false;
    std::string local_options;   // OCC string we send in OCC_REPLY
    std::string remote_options;  // what we expect the peer's to be
    // Send OCC_REQUESTs and compare the reply (static-key mode); TLS mode exchanged
    // its options strings in key method 2 and only answers requests.
    bool occ_requests = true;
};

class PeerSession final : public LinkSession {
public:
    PeerSession(SessionConfig cfg, std::unique_ptr<DataCodec> codec, Now now);
    PeerSession(SessionConfig cfg, ovpn::StaticDataChannel channel, Now now)
        : PeerSession(std::move(cfg), std::make_unique<StaticCodec>(std::move(channel)), now) {}

    // Bytes a sealed datagram can exceed its payload by (framing + crypto).
    std::size_t overhead() const override;
    // Where a payload should sit inside the output buffer so that framing and
    // sealing happen in place (no copy): encapsulate(out, payload_offset(), len, out...).
    std::size_t payload_offset() const override;

    // Seal the `len` payload bytes at buf[off..]; buf[off-1] must be writable (the
    // compression header goes there).  `scratch` receives compressed data and must
    // hold len + len/16 + 64 + 3 bytes.  Returns the datagram length written to `out`.
    std::size_t encapsulate(MutBytes buf, std::size_t off, std::size_t len, MutBytes out, MutBytes scratch, Now now) override;

    // Authenticate and open one datagram.  `out` and `scratch` must each hold
    // datagram.size() and the largest decompressed payload (tun-mtu + 128) bytes.
    Inbound decapsulate(Bytes datagram, MutBytes out, MutBytes scratch, Now now) override;

    // A control payload the session wants sent, written at buf[off..]; returns its
    // length or 0 when none is due.  Seal it with encapsulate().
    std::size_t next_control(MutBytes buf, std::size_t off);
    // next_control() sealed into `out`.
    std::size_t next_datagram(MutBytes out, MutBytes scratch, Now now) override;

    // Drive the timers; call at least once a second.
    Verdict on_timer(Now now) override;
    // At once when the peer's OCC_EXIT is waiting to be acted on.
    std::optional<std::int64_t> next_wake_ms() const override {
        return exit_from_peer_ ? std::optional<std::int64_t>(0) : std::nullopt;
    }
    const std::string& verdict_reason() const override { return reason_; }

    // Shutdown requested: starts explicit-exit-notify (if configured and `can_notify`,
    // i.e. UDP) and returns Exit at once when there is nothing to announce.
    Verdict begin_exit(Now now, bool can_notify) override;

    // After a restart (ping-restart, peer exit, TCP reconnect): fresh replay state,
    // a new send sequence, fresh timers.
    void restart(Now now) override;

    // Pushed ping / ping-restart (TLS client): replace the configured ones.
    void set_keepalive(int ping, int ping_restart) {
        cfg_.ping = ping;
        cfg_.ping_restart = ping_restart;
    }

    // True once an authenticated packet arrived since start/restart.
    bool peer_seen() const { return peer_seen_; }
    TunnelStats& stats() override { return stats_; }
    const TunnelStats& stats() const { return stats_; }

private:
    void on_occ(Bytes payload, Now now);
    void note_drop(ovpn::Drop reason, std::int64_t now);
    bool payload_fits_device(Bytes packet) const;
    void clamp(MutBytes packet) const;

    SessionConfig cfg_;
    std::unique_ptr<DataCodec> codec_;
    compress::LzoFraming framing_;
    TunnelStats stats_;
    std::string reason_;

    std::int64_t last_sent_ = 0;
    std::int64_t last_received_ = 0;
    bool peer_seen_ = false;

    // Pending control payloads (at most one of each kind at a time).
    bool ping_due_ = false;
    bool occ_request_due_ = false;
    bool occ_reply_due_ = false;
    bool occ_exit_due_ = false;

    int occ_requests_sent_ = 0;
    bool occ_reply_received_ = false;
    std::int64_t next_occ_request_ = 0;

    bool exit_from_peer_ = false;
    std::array<std::uint8_t, 16 + 1024> control_buf_{};  // next_datagram's payload
    std::array<std::int64_t, static_cast<std::size_t>(ovpn::Drop::Count)> last_drop_log_{};

    std::optional<std::int64_t> exit_deadline_;
    std::int64_t next_exit_notify_ = 0;
};

}  // namespace vpn::p2p
