#pragma once
// One OpenVPN 2.6 TLS session (both roles) as a sans-IO state machine
// (openvpn-wire.md §5.5-§5.7, §7, §8.1; ssl.c: tls_process, tls_process_state,
// tls_pre_decrypt, key_method_2_write/read, tls_session_generate_data_channel_keys).
//
//   client: HARD_RESET_CLIENT_V2 -> (server reset) -> TLS handshake in P_CONTROL_V1
//           -> key method 2 (client first) -> [pull: PUSH_REPLY] -> keys
//   server: (client reset) -> HARD_RESET_SERVER_V2 -> TLS -> key method 2 -> keys
//           A UDP server may answer the reset statelessly (StatelessGate) and create
//           the session with from_cookie() once the client proved the cookie.
//
// The caller hands in wire packets (on_packet), timer ticks (on_timer, when
// next_timeout() says), and drains events (next_event): wrapped packets to send,
// keys ready, text messages, failure.  Time: `now_ms` of any monotonic clock; the
// wrap's long-form packet-id time (Unix seconds) is (offset + now_ms) / 1000 with
// SessionConfig::wall_clock_offset_ms (default: time() at start() minus now_ms).
//
// Renegotiation (§5.8; ssl.c: key_state_soft_reset, tls_pre_decrypt): either side
// calls renegotiate() (the caller owns reneg-sec/-bytes/-pkts), or the peer sends
// P_CONTROL_SOFT_RESET_V1 with the next key_id (1..7, 0 skipped after a wrap).  A
// new primary key state runs a fresh TLS handshake and key method 2 with the same
// session ids, the original TLS roles and the cipher / derivation chosen for key 0,
// then reports KeysReady for its key_id.  The peer may install its side of a new
// key a little later (stock 2.6 drops "Key [n] not initialized (yet)"): the data
// path should keep sending on the old key until a packet arrives on the new one or a
// short grace time passes.  The previous key state becomes the lame
// duck, still answering control packets for --tran-window, then KeyRetired is
// reported so the caller drops that key's data channel.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/openvpn/control/control_packet.hpp"
#include "common/openvpn/control/reliable_link.hpp"
#include "common/openvpn/control/reset_packet.hpp"
#include "common/openvpn/key_method2.hpp"
#include "common/openvpn/session/session_config.hpp"
#include "common/openvpn/session/tls_engine.hpp"
#include "common/openvpn/tls_data_channel.hpp"

namespace vpn::ovpn::session {

struct SessionEvent {
    enum class Kind : std::uint8_t {
        Send,            // `bytes`: one wrapped control packet for the wire
        Established,     // key method 2 done both ways (pull client: send PUSH_REQUEST now)
        KeysReady,       // `channel` for `key_id`; `text`: "AES-256-GCM, tls-ekm" style
        ControlMessage,  // `text`: one message from the peer, without its NUL
        KeyRetired,      // `key_id`'s transition window is over: drop its data channel
        Failed,          // `text`: one-line reason; the session is dead
    };
    Kind kind;
    std::uint8_t key_id = 0;
    std::vector<std::uint8_t> bytes;
    std::string text;
    std::unique_ptr<TlsDataChannel> channel;
};

class TlsSession {
public:
    enum class State : std::uint8_t {
        Initial,      // not started / waiting for the peer's reset
        Handshake,    // resets exchanged, TLS running
        KeyExchange,  // TLS done, key method 2 in progress
        WaitPush,     // pull client: waiting for the PUSH_REPLY that settles the keys
        Active,       // data keys produced
        Failed,
    };

    // A client, or a stateful server waiting for the client's reset.  Nothing is sent
    // until start().  Throws TlsConfigError / crypto::CryptoError on setup failures.
    TlsSession(std::shared_ptr<const TlsContext> ctx, SessionConfig cfg);

    // A server session created after a stateless reply (StatelessGate): our session
    // id is the cookie, the client's reset (id 0) and our reply (id 0) count as
    // exchanged, so both reliable streams continue at message id 1 and our wrap's
    // packet id at 2 (ssl.c: session_skip_to_pre_start).  Then hand the proving
    // packet to on_packet().
    static std::unique_ptr<TlsSession> from_cookie(std::shared_ptr<const TlsContext> ctx, SessionConfig cfg,
                                                   const control::SessionId& server_sid,
                                                   const control::SessionId& client_sid, std::int64_t now_ms);

    // Client: queue HARD_RESET_CLIENT_V2.  Server: arm the hand-window.  Call once.
    void start(std::int64_t now_ms);

    // One datagram (or TCP frame) from the peer.  Unauthenticated, malformed, foreign
    // or replayed packets are dropped silently (counted in dropped()).
    void on_packet(Bytes wire, std::int64_t now_ms);

    // Start a renegotiation (soft reset with the next key_id).  False unless the
    // session is Active and no renegotiation is already running.
    bool renegotiate(std::int64_t now_ms);
    // The key_id of the newest key state (the one being negotiated or last done).
    std::uint8_t current_key_id() const { return ks_->key_id; }
    bool renegotiating() const { return ks_->key_id != 0 && !ks_->keys_done; }

    // Retransmissions and the hand-window.  Harmless to call early.
    void on_timer(std::int64_t now_ms);
    // When on_timer() wants to run next; nullopt when nothing is pending.
    std::optional<std::int64_t> next_timeout() const;

    // Send one text message (PUSH_REQUEST, PUSH_REPLY, ...) as its own TLS record with
    // a trailing NUL, on the newest key state whose key method 2 is out (else the lame
    // duck).  False before our key method 2 was written (it must be the first record),
    // after a failure, or if the text is empty, holds a NUL or is over 2047 bytes.
    bool send_control_message(std::string_view text, std::int64_t now_ms);

    // The next event, oldest first.
    std::optional<SessionEvent> next_event();

    State state() const { return state_; }
    bool is_server() const { return server_; }
    const control::SessionId& local_session_id() const { return local_sid_; }
    std::optional<control::SessionId> remote_session_id() const;
    // The peer's key-method-2 strings (after State::KeyExchange).
    const std::string& peer_options() const { return peer_options_; }
    const std::string& peer_info() const { return peer_info_; }
    const std::string& peer_username() const { return peer_username_; }
    // The password of the peer's key method 2 (auth-user-pass), for the server's
    // verification; empty when none was sent.
    const crypto::SecureBuffer& peer_password() const { return peer_password_; }
    // The common name of the peer's certificate, as verified for the first key.
    const std::string& peer_common_name() const { return peer_cn_; }
    // Server: the options to append to the PUSH_REPLY for this client (cipher,
    // key-derivation / protocol-flags), valid once keys are ready.
    const std::vector<std::string>& push_options() const { return push_options_; }
    // "Control Channel: TLSv1.3, cipher ..." once the handshake is done.
    std::string tls_description() const;
    std::size_t dropped() const { return dropped_; }

private:
    struct KeyState {
        std::uint8_t key_id = 0;
        control::ReliableLink link;
        TlsEngine tls;
        KeySource local_source;
        KeySource peer_source;
        bool km2_sent = false;
        bool km2_received = false;
        bool keys_done = false;
        bool tls_started = false;          // S_START reached (resets exchanged)
        std::int64_t deadline_ms = 0;      // --hand-window for this key state
        std::int64_t retire_ms = 0;        // lame duck: end of --tran-window
        KeyState(const control::SessionId& sid, const control::LinkParams& lp, const TlsContext& ctx)
            : key_id(lp.key_id), link(sid, lp), tls(ctx) {}
    };

    void fail(std::string why);
    void advance(KeyState& ks);
    void handle_plaintext(KeyState& ks, Bytes record);
    void send_key_method_2(KeyState& ks);
    void on_peer_key_method_2(KeyState& ks, Bytes record);
    void on_push_reply(KeyState& ks, const std::string& text);
    void derive_keys(KeyState& ks, bool ekm, const std::string& cipher);
    void begin_soft_reset(std::uint8_t key_id, std::int64_t now_ms);
    KeyState* key_state(std::uint8_t key_id);
    void flush(std::int64_t now_ms);
    void flush(KeyState& ks, std::int64_t now_ms);
    std::int64_t wrap_now(std::int64_t now_ms) const { return (unix_base_ms_ + now_ms) / 1000; }

    std::shared_ptr<const TlsContext> ctx_;
    SessionConfig cfg_;
    bool server_;
    control::ControlWrap wrap_;
    control::SessionId local_sid_{};
    std::unique_ptr<KeyState> ks_;    // primary key state: the newest (ssl.h: KS_PRIMARY)
    std::unique_ptr<KeyState> lame_;  // the previous one during the transition window (KS_LAME_DUCK)
    bool ekm_ = false;                // settled by key 0, reused by every renegotiation
    std::string cipher_;
    State state_ = State::Initial;
    bool started_ = false;
    std::int64_t unix_base_ms_ = 0;  // wall clock (ms) minus now_ms
    std::optional<std::int64_t> hand_deadline_ms_;
    std::size_t chunk_ = 0;  // TLS bytes per P_CONTROL_V1
    std::string peer_options_, peer_info_, peer_username_, peer_cn_;
    crypto::SecureBuffer peer_password_;
    std::vector<std::string> push_options_;
    ProtocolChoice pushed_{};
    std::optional<std::string> pushed_cipher_;
    std::deque<SessionEvent> events_;
    std::vector<std::uint8_t> rx_buf_, tx_buf_, wire_buf_;
    crypto::SecureBuffer plain_buf_;
    std::size_t dropped_ = 0;
};

const char* state_name(TlsSession::State s);

// The key_id after `key_id`: 1..7, wrapping to 1 (0 is the first key's only).
std::uint8_t next_key_id(std::uint8_t key_id);

}  // namespace vpn::ovpn::session
