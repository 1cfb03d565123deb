#include "common/openvpn/session/tls_session.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "common/crypto/random.hpp"

namespace vpn::ovpn::session {
namespace {

using control::Opcode;

control::SessionId random_session_id() {
    control::SessionId sid{};
    do {
        crypto::random_bytes(sid);
    } while (!control::is_defined(sid));
    return sid;
}

// ssl.c: calc_control_channel_frame_overhead / write_outgoing_tls_ciphertext: the
// TLS bytes one P_CONTROL_V1 may carry so that the datagram, IPv4/UDP header
// included, stays within --max-packet-size.
std::size_t tls_chunk(std::size_t max_packet_size, std::size_t wrap_overhead) {
    const std::size_t tls_mtu = std::clamp<std::size_t>(max_packet_size, 154, 2048);
    const std::size_t overhead = 1 + control::kSessionIdLen + 1 + 4 * 4 + control::kSessionIdLen + 4 +
                                 wrap_overhead + 28;
    return tls_mtu > overhead + 16 ? tls_mtu - overhead : 16;
}

control::LinkParams link_params(const SessionConfig& cfg, bool server) {
    control::LinkParams lp;
    lp.key_id = 0;
    lp.initial_timeout_ms = cfg.tls_timeout_ms > 0 ? cfg.tls_timeout_ms : 2000;
    // ssl_pkt.c: write_control_auth -- a client without wrapping sends at most 4 acks
    // in a P_ACK_V1 (SoftEther workaround).
    if (!server && cfg.wrap.mode == control::WrapMode::None) lp.ack_packet_acks = 4;
    return lp;
}

}  // namespace

const char* state_name(TlsSession::State s) {
    switch (s) {
        case TlsSession::State::Initial: return "initial";
        case TlsSession::State::Handshake: return "handshake";
        case TlsSession::State::KeyExchange: return "key-exchange";
        case TlsSession::State::WaitPush: return "wait-push";
        case TlsSession::State::Active: return "active";
        case TlsSession::State::Failed: return "failed";
    }
    return "?";
}

TlsSession::TlsSession(std::shared_ptr<const TlsContext> ctx, SessionConfig cfg)
    : ctx_(std::move(ctx)), cfg_(std::move(cfg)), server_(ctx_->server()),
      wrap_(make_control_wrap(cfg_.wrap, server_)), local_sid_(random_session_id()) {
    if (server_ && cfg_.key_mode == KeyMode::PullClient) cfg_.key_mode = KeyMode::Server;
    ks_ = std::make_unique<KeyState>(local_sid_, link_params(cfg_, server_), *ctx_);
    chunk_ = tls_chunk(cfg_.max_packet_size, wrap_.overhead());
    rx_buf_.resize(4096);
    tx_buf_.resize(ks_->link.max_packet_size());
    wire_buf_.resize(tx_buf_.size() + wrap_.overhead());
    plain_buf_ = crypto::SecureBuffer(TlsEngine::kMaxRecord);
}

std::unique_ptr<TlsSession> TlsSession::from_cookie(std::shared_ptr<const TlsContext> ctx, SessionConfig cfg,
                                                    const control::SessionId& server_sid,
                                                    const control::SessionId& client_sid, std::int64_t now_ms) {
    auto s = std::make_unique<TlsSession>(std::move(ctx), std::move(cfg));
    s->local_sid_ = server_sid;
    s->ks_ = std::make_unique<KeyState>(server_sid, link_params(s->cfg_, true), *s->ctx_);
    s->ks_->link.set_remote_session(client_sid);
    // ssl.c: session_skip_to_pre_start -- both resets are behind us.
    s->ks_->link.sender().start_at(1);
    s->ks_->link.receiver().start_at(1);
    // mudp.c: the stateless reply used packet id 1; this session goes on with 2.
    s->wrap_.set_send_position(1, 0);
    s->start(now_ms);
    s->state_ = State::Handshake;
    s->ks_->tls_started = true;
    return s;
}

void TlsSession::start(std::int64_t now_ms) {
    if (started_) return;
    started_ = true;
    unix_base_ms_ = cfg_.wall_clock_offset_ms ? *cfg_.wall_clock_offset_ms
                                             : static_cast<std::int64_t>(std::time(nullptr)) * 1000 - now_ms;
    hand_deadline_ms_ = now_ms + static_cast<std::int64_t>(std::max(cfg_.hand_window_s, 1)) * 1000;
    if (!server_) {
        ks_->link.queue(Opcode::HardResetClientV2, {});
        flush(now_ms);
    }
}

std::optional<control::SessionId> TlsSession::remote_session_id() const { return ks_->link.remote_session(); }

std::uint8_t next_key_id(std::uint8_t key_id) {
    // ssl.c: key_state_soft_reset -- key_id 0 is used only by the first key.
    return key_id >= 7 ? 1 : static_cast<std::uint8_t>(key_id + 1);
}

std::string TlsSession::tls_description() const {
    const KeyState* ks = ks_->tls.status() == TlsEngine::Status::Established ? ks_.get() : lame_.get();
    if (!ks || ks->tls.status() != TlsEngine::Status::Established) return {};
    return "Control Channel: " + ks->tls.describe();
}

void TlsSession::fail(std::string why) {
    if (state_ == State::Failed) return;
    state_ = State::Failed;
    SessionEvent e{SessionEvent::Kind::Failed};
    e.text = std::move(why);
    events_.push_back(std::move(e));
}

std::optional<SessionEvent> TlsSession::next_event() {
    if (events_.empty()) return std::nullopt;
    SessionEvent e = std::move(events_.front());
    events_.pop_front();
    return e;
}

TlsSession::KeyState* TlsSession::key_state(std::uint8_t key_id) {
    if (ks_ && ks_->key_id == key_id) return ks_.get();
    if (lame_ && lame_->key_id == key_id) return lame_.get();
    return nullptr;
}

void TlsSession::on_packet(Bytes wire, std::int64_t now_ms) {
    if (!started_ || state_ == State::Failed) return;
    auto u = wrap_.unwrap(wire, rx_buf_, wrap_now(now_ms));
    if (!u.ok) {
        ++dropped_;
        return;
    }
    auto parsed = control::parse_control(u.packet);
    if (!parsed.ok()) {
        ++dropped_;
        return;
    }
    const control::ControlPacket& p = parsed.packet;
    const auto remote = ks_->link.remote_session();

    if (control::is_hard_reset(p.op)) {
        auto& link = ks_->link;
        if (p.op == Opcode::HardResetClientV3 || ks_->key_id != 0) {  // tls-crypt-v2 unsupported; no restart mid-session
            ++dropped_;
            return;
        }
        auto check = control::validate_reset(p, server_ ? control::Role::Server : control::Role::Client);
        if (!check.ok()) {
            ++dropped_;
            return;
        }
        if (!remote) {
            link.set_remote_session(p.session_id);
            // A stateful server answers with its own reset, message 0 of its stream.
            if (server_) link.queue(Opcode::HardResetServerV2, {});
        } else if (*remote != p.session_id) {
            ++dropped_;  // another session of the peer: the caller starts a new TlsSession
            return;
        }
    } else if (!remote || *remote != p.session_id || p.op == Opcode::ControlWkcV1) {
        ++dropped_;
        return;
    } else if (p.op == Opcode::SoftResetV1 && !key_state(p.key_id)) {
        // ssl.c: tls_pre_decrypt -- the peer starts a renegotiation with the next
        // key_id; only once our current key is done (else it is dropped).
        if (!control::validate_reset(p, server_ ? control::Role::Server : control::Role::Client).ok() ||
            state_ != State::Active || !ks_->keys_done || p.key_id != next_key_id(ks_->key_id)) {
            ++dropped_;
            return;
        }
        begin_soft_reset(p.key_id, now_ms);
    }

    KeyState* ks = key_state(p.key_id);
    if (!ks) {
        ++dropped_;
        return;
    }
    using Rx = control::ReliableLink::Rx;
    Rx rx = ks->link.on_packet(p);
    if (rx != Rx::Accepted && rx != Rx::Duplicate && rx != Rx::AckOnly) ++dropped_;
    advance(*ks);
    flush(now_ms);
}

void TlsSession::begin_soft_reset(std::uint8_t key_id, std::int64_t now_ms) {
    control::LinkParams lp = link_params(cfg_, server_);
    lp.key_id = key_id;
    auto fresh = std::make_unique<KeyState>(local_sid_, lp, *ctx_);
    fresh->link.set_remote_session(*ks_->link.remote_session());
    fresh->link.queue(Opcode::SoftResetV1, {});
    fresh->deadline_ms = now_ms + static_cast<std::int64_t>(std::max(cfg_.hand_window_s, 1)) * 1000;
    if (lame_) {
        // A third key state: the oldest goes at once (ssl.c: key_state_soft_reset
        // frees the previous lame duck).
        events_.push_back(SessionEvent{SessionEvent::Kind::KeyRetired, lame_->key_id});
    }
    ks_->retire_ms = now_ms + static_cast<std::int64_t>(std::max(cfg_.tran_window_s, 1)) * 1000;
    lame_ = std::move(ks_);
    ks_ = std::move(fresh);
}

bool TlsSession::renegotiate(std::int64_t now_ms) {
    if (state_ != State::Active || !ks_->keys_done) return false;
    begin_soft_reset(next_key_id(ks_->key_id), now_ms);
    flush(now_ms);
    return true;
}

void TlsSession::advance(KeyState& ks) {
    while (auto m = ks.link.front()) {
        if (m->op == Opcode::ControlV1 && !ks.tls.feed(m->payload)) {
            fail("TLS: cannot buffer incoming data");
            return;
        }
        ks.link.pop();
    }
    if (!ks.tls_started) {
        if (!ks.link.remote_session()) return;
        // ssl.c: tls_process_state -- the client starts TLS (S_START) once its reset
        // is acknowledged, writing key method 2 right away; the server simply waits
        // for the ClientHello.
        if (!server_ && !ks.link.all_acked()) return;
        ks.tls_started = true;
        if (state_ == State::Initial) state_ = State::Handshake;
        if (!server_) send_key_method_2(ks);
        if (state_ == State::Failed) return;
    }

    if (ks.tls.step() == TlsEngine::Status::Failed) {
        fail(ks.tls.failure());
        return;
    }
    if (ks.tls.status() != TlsEngine::Status::Established) return;
    if (state_ == State::Handshake) state_ = State::KeyExchange;

    while (state_ != State::Failed) {
        std::size_t n = ks.tls.read_record(plain_buf_.span());
        if (n == 0) break;
        handle_plaintext(ks, Bytes(plain_buf_.data(), n));
    }
    if (state_ != State::Failed && ks.tls.status() == TlsEngine::Status::Failed) fail(ks.tls.failure());
}

void TlsSession::handle_plaintext(KeyState& ks, Bytes record) {
    if (!ks.km2_received) {
        on_peer_key_method_2(ks, record);
        return;
    }
    // forward.c: one message per record, ending at its first NUL (§8.1).
    auto nul = std::find(record.begin(), record.end(), std::uint8_t{0});
    std::string text(record.begin(), nul);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) return;
    SessionEvent e{SessionEvent::Kind::ControlMessage};
    e.key_id = ks.key_id;
    e.text = text;
    events_.push_back(std::move(e));
    if (!server_ && state_ == State::WaitPush && text.rfind("PUSH_REPLY", 0) == 0) on_push_reply(ks, text);
}

void TlsSession::flush(std::int64_t now_ms) {
    if (lame_) flush(*lame_, now_ms);
    flush(*ks_, now_ms);
}

void TlsSession::flush(KeyState& ks, std::int64_t now_ms) {
    auto& link = ks.link;
    if (link.remote_session() && ks.tls_started) {
        std::array<std::uint8_t, 2048> chunk{};
        const std::size_t limit = std::min(chunk_, chunk.size());
        while (ks.tls.pending_ciphertext() > 0 && link.sender().can_queue()) {
            std::size_t n = ks.tls.take_ciphertext(MutBytes(chunk.data(), limit));
            if (n == 0) break;
            link.queue(Opcode::ControlV1, Bytes(chunk.data(), n));
        }
    }
    while (auto pkt = link.next_packet(now_ms, tx_buf_)) {
        std::size_t n = wrap_.wrap(*pkt, wire_buf_, wrap_now(now_ms));
        if (n == 0) {
            fail("TLS Error: control packet could not be wrapped (packet id exhausted)");
            return;
        }
        SessionEvent e{SessionEvent::Kind::Send, ks.key_id};
        e.bytes.assign(wire_buf_.begin(), wire_buf_.begin() + static_cast<std::ptrdiff_t>(n));
        events_.push_back(std::move(e));
    }
}

void TlsSession::on_timer(std::int64_t now_ms) {
    if (!started_ || state_ == State::Failed) return;
    if (hand_deadline_ms_ && now_ms >= *hand_deadline_ms_) {
        fail(fmt::format("TLS Error: TLS key negotiation failed to occur within {} seconds (check your network "
                         "connectivity)",
                         cfg_.hand_window_s));
        return;
    }
    if (ks_->key_id != 0 && !ks_->keys_done && now_ms >= ks_->deadline_ms) {
        fail(fmt::format("TLS Error: renegotiation of key_id {} failed to occur within {} seconds", ks_->key_id,
                         cfg_.hand_window_s));
        return;
    }
    if (lame_ && now_ms >= lame_->retire_ms) {
        events_.push_back(SessionEvent{SessionEvent::Kind::KeyRetired, lame_->key_id});
        lame_.reset();
    }
    flush(now_ms);
    if (ks_->keys_done && ks_->link.all_acked() && !ks_->link.front()) ks_->link.release_idle();
}

std::optional<std::int64_t> TlsSession::next_timeout() const {
    if (!started_ || state_ == State::Failed) return std::nullopt;
    std::optional<std::int64_t> t = ks_->link.next_timeout();
    auto consider = [&](std::optional<std::int64_t> x) {
        if (x && (!t || *x < *t)) t = x;
    };
    consider(hand_deadline_ms_);
    if (ks_->key_id != 0 && !ks_->keys_done) consider(ks_->deadline_ms);
    if (lame_) {
        consider(lame_->link.next_timeout());
        consider(lame_->retire_ms);
    }
    return t;
}

bool TlsSession::send_control_message(std::string_view text, std::int64_t now_ms) {
    if (state_ == State::Failed || text.empty() || text.size() >= TlsEngine::kMaxRecord ||
        text.find('\0') != std::string_view::npos)
        return false;
    // The newest key state once its key method 2 is out, else the previous one
    // (ssl.c: tls_send_payload uses the primary key when it is active).
    KeyState* ks = ks_.get();
    if (!ks->km2_sent || (ks->key_id != 0 && !ks->keys_done && lame_)) ks = lame_ ? lame_.get() : ks;
    if (!ks->km2_sent) return false;
    std::vector<std::uint8_t> msg(text.begin(), text.end());
    msg.push_back(0);
    if (!ks->tls.write_record(msg)) {
        fail(ks->tls.failure());
        return false;
    }
    flush(now_ms);
    return true;
}

}  // namespace vpn::ovpn::session
