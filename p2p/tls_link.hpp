#pragma once
// A TLS-mode tunnel with one peer, sans-IO: the control channel (TlsSession) and the
// data session (PeerSession over a TlsCodec) behind one LinkSession.
//
//   datagram ─► opcode ─► P_DATA_V1/V2 ─► PeerSession (TlsCodec picks the key_id)
//                      └► control ─────► TlsSession ─► events: packets to send,
//                                        keys (install / retire), PUSH_REQUEST/REPLY,
//                                        RESTART / AUTH_FAILED / HALT, failure
//
// Roles: a client (with `pull`: PUSH_REQUEST every 5 s until the whole PUSH_REPLY set
// arrived, handed to hooks.on_push before the data keys exist), a P2P TLS peer, or a
// server for one client (answers PUSH_REQUEST with hooks.push_for).  A server
// accepts a HARD_RESET_CLIENT_V2 with a new session id at any time, from any address:
// while a session is up, the newcomer runs beside it as a candidate and replaces it
// once its handshake and key exchange are done (one client, the latest proven one
// wins; a multi-client server is server/'s job).  Renegotiation by reneg-sec / -bytes / -pkts from either side;
// a failed session restarts (client) or waits for the next client (server).
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/openvpn/session/tls_context.hpp"
#include "common/openvpn/session/tls_session.hpp"
#include "p2p/link_session.hpp"
#include "p2p/peer_session.hpp"
#include "p2p/tls_codec.hpp"

namespace vpn::p2p {

struct TlsLinkConfig {
    std::shared_ptr<const ovpn::session::TlsContext> ctx;
    ovpn::session::SessionConfig session;  // the template of every TLS session
    SessionConfig peer;                    // data side: framing, mss, pings
    bool server = false;
    bool pull = false;                     // client: PUSH_REQUEST and wait for the reply
    int reneg_sec = 3600;                  // 0 = off
    long long reneg_bytes = 0;             // 0 = off
    long long reneg_pkts = 0;              // 0 = off
    // Client: restart when no session came up within this many seconds (0 = off).
    int server_poll_timeout = 0;
    // Client over UDP: give up (Exit) after this many failed attempts in a row (0 = never).
    int max_attempts = 0;
    // Client: the pause before a restarted session sends its reset (init.c "Restart
    // pause": --connect-retry), so a server that is going away is not asked again at once.
    int restart_pause_ms = 1000;
    // One client of a multi-client server (server/): the session ends (Verdict::Restart
    // from on_timer) on ping-restart, failure or the client's exit instead of waiting
    // for the next client, and new resets are the server's business, not a candidate's.
    bool multi = false;
    // Server: the peer-id this client gets when it announced P_DATA_V2 support.
    std::uint32_t peer_id = 0;
};

struct TlsLinkHooks {
    // Pull client: one complete push (all its messages' options, as words).  Return
    // "" when applied, else one line saying why not (the session restarts).
    std::function<std::string(const std::vector<std::vector<std::string>>& options)> on_push;
    // Server: the options for this client's PUSH_REPLY.
    std::function<std::vector<std::string>(const ovpn::session::TlsSession& s, std::uint32_t peer_id)> push_for;
    // The first data keys of a session are installed: the tunnel passes traffic.
    std::function<void(const ovpn::session::TlsSession& s)> on_up;
    // Server, before the first keys are installed: "" admits the client, anything else
    // refuses it (logged): it gets AUTH_FAILED for its PUSH_REQUEST, no data channel,
    // and the session ends shortly after (multi.c / push.c: send_auth_failed).
    std::function<std::string(const ovpn::session::TlsSession& s)> authorize;
};

class TlsLink final : public LinkSession {
public:
    static constexpr std::int64_t kPushRequestIntervalMs = 5000;
    // A refused client: how long AUTH_FAILED may take to be acknowledged, and how long
    // we wait for the PUSH_REQUEST it answers.
    static constexpr std::int64_t kAuthFailedLingerMs = 2000;
    static constexpr std::int64_t kRefusedMaxSeconds = 10;

    TlsLink(TlsLinkConfig cfg, TlsLinkHooks hooks, Now now);
    // A server session that already exists (created by a stateless gate, or for a TCP
    // connection's first reset); the caller hands it its first packet with decapsulate().
    TlsLink(TlsLinkConfig cfg, TlsLinkHooks hooks, std::unique_ptr<ovpn::session::TlsSession> session, Now now);

    std::size_t overhead() const override;
    std::size_t payload_offset() const override { return peer_.payload_offset(); }
    std::size_t encapsulate(MutBytes buf, std::size_t off, std::size_t len, MutBytes out, MutBytes scratch,
                            Now now) override;
    Inbound decapsulate(Bytes datagram, MutBytes out, MutBytes scratch, Now now) override;
    std::size_t next_datagram(MutBytes out, MutBytes scratch, Now now) override;
    // Server: a new client's HARD_RESET_CLIENT_V2 from anywhere, and what follows from
    // that address, run as a candidate beside the current session (see to_candidate).
    bool accepts_new_source(Bytes datagram, const net::SockAddr& from) const override;
    Inbound decapsulate_foreign(Bytes datagram, const net::SockAddr& from, Now now) override;
    std::size_t next_foreign(MutBytes out, net::SockAddr& to) override;
    std::optional<net::SockAddr> take_new_peer() override;
    Verdict on_timer(Now now) override;
    std::optional<std::int64_t> next_wake_ms() const override;
    const std::string& verdict_reason() const override { return reason_; }
    Verdict begin_exit(Now now, bool can_notify) override;
    void restart(Now now) override;
    TunnelStats& stats() override { return peer_.stats(); }

    // Pushed keepalive values (client).
    void set_keepalive(int ping, int ping_restart) { peer_.set_keepalive(ping, ping_restart); }
    // Data packets go out as P_DATA_V2 with this peer-id (pushed), else P_DATA_V1.
    void set_peer_id(std::uint32_t id) { codec_->set_peer_id(id); }
    bool up() const { return codec_->has_send_key(); }
    // Refused by hooks.authorize (server).
    bool refused() const { return refused_; }
    const ovpn::session::TlsSession* session() const { return tls_.get(); }
    // The cipher of the data channel, e.g. "AES-256-GCM" ("" before keys).
    const std::string& cipher() const { return cipher_; }
    // Server (multi): tell the client to reconnect (RESTART control message), as a
    // 2.6 server does for its clients when it goes away with explicit-exit-notify.
    void send_restart(Now now);

private:
    TlsLink(TlsLinkConfig cfg, TlsLinkHooks hooks, std::unique_ptr<TlsCodec> codec, Now now);
    void new_client_session(Now now);
    Inbound on_control(Bytes datagram, Now now);
    void drain(Now now);
    void on_keys(ovpn::session::SessionEvent& e, Now now);
    bool is_new_client_reset(Bytes datagram) const;
    bool is_other_reset(const ovpn::session::TlsSession& s, Bytes datagram) const;
    Inbound to_candidate(Bytes datagram, std::optional<net::SockAddr> from, Now now);
    std::unique_ptr<ovpn::session::TlsSession> session_for_reset(Bytes reset, Now now);
    void drain_candidate(Now now);
    void on_message(const std::string& text, Now now);
    void fail_session(const std::string& why, Verdict v);
    void check_renegotiation(Now now);

    TlsLinkConfig cfg_;
    TlsLinkHooks hooks_;
    TlsCodec* codec_;  // owned by peer_
    PeerSession peer_;
    std::unique_ptr<ovpn::session::TlsSession> tls_;
    std::deque<std::vector<std::uint8_t>> out_;  // wrapped control packets to send

    // Server: a newer client's session, until it has keys (then it replaces tls_).
    struct Candidate {
        std::unique_ptr<ovpn::session::TlsSession> tls;
        std::optional<net::SockAddr> addr;  // nullopt: at the current peer's address
        std::deque<std::vector<std::uint8_t>> out;
    };
    std::optional<Candidate> cand_;
    std::optional<net::SockAddr> new_peer_;  // a promoted candidate's address, for the transport

    std::string reason_;
    Verdict pending_verdict_ = Verdict::None;
    bool exiting_ = false;
    // Pull client.
    bool push_done_ = false;
    std::optional<std::int64_t> next_push_request_ms_;
    std::vector<std::vector<std::string>> push_options_;
    // Renegotiation.
    std::int64_t key_since_ = 0;  // mono seconds the current key was installed
    std::int64_t attempt_since_ = 0;  // client: mono seconds this session started
    int failed_attempts_ = 0;         // client: sessions in a row that never came up
    std::optional<std::int64_t> start_at_ms_;  // client: a restarted session begins then
    std::uint32_t peer_id_ = ovpn::kNoPeerId;
    bool refused_ = false;
    std::optional<std::int64_t> end_at_ms_;  // refused: end once AUTH_FAILED had its chance
    std::string cipher_;
};

}  // namespace vpn::p2p
