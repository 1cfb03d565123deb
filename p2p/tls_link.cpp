#include "p2p/tls_link.hpp"

#include <algorithm>

#include "common/log/log.hpp"
#include "common/openvpn/control/opcode.hpp"
#include "common/openvpn/push_reply.hpp"

namespace vpn::p2p {
namespace {

using ovpn::session::SessionEvent;
using ovpn::session::TlsSession;

using ovpn::control::Opcode;

// The first byte as control/classify() reads it; an empty datagram is Invalid.
ovpn::control::Header header_of(Bytes d) {
    return d.empty() ? ovpn::control::Header{ovpn::control::PacketKind::Invalid, Opcode{}, 0}
                     : ovpn::control::classify(d[0]);
}

// HARD_RESET_CLIENT_V2 with key_id 0: a client starting a session.
bool is_client_reset(Bytes d) {
    const auto h = header_of(d);
    return h.kind == ovpn::control::PacketKind::Control && h.op == Opcode::HardResetClientV2 && h.key_id == 0;
}

bool starts_with(const std::string& s, std::string_view p) { return s.compare(0, p.size(), p) == 0; }

}  // namespace

TlsLink::TlsLink(TlsLinkConfig cfg, TlsLinkHooks hooks, Now now)
    : TlsLink(std::move(cfg), std::move(hooks), std::make_unique<TlsCodec>(), now) {}

TlsLink::TlsLink(TlsLinkConfig cfg, TlsLinkHooks hooks, std::unique_ptr<TlsCodec> codec, Now now)
    : cfg_(std::move(cfg)), hooks_(std::move(hooks)), codec_(codec.get()), peer_(cfg_.peer, std::move(codec), now) {
    if (!cfg_.server) new_client_session(now);
}

TlsLink::TlsLink(TlsLinkConfig cfg, TlsLinkHooks hooks, std::unique_ptr<TlsSession> session, Now now)
    : TlsLink(std::move(cfg), std::move(hooks), std::make_unique<TlsCodec>(), now) {
    tls_ = std::move(session);
    drain(now);
}

void TlsLink::new_client_session(Now now) {
    attempt_since_ = now.mono;
    tls_ = std::make_unique<TlsSession>(cfg_.ctx, cfg_.session);
    tls_->start(now.mono_ms);
    drain(now);
}

std::size_t TlsLink::overhead() const {
    return TlsCodec::kMaxOverhead + (cfg_.peer.lzo_framing ? 1 : 0);
}

std::size_t TlsLink::encapsulate(MutBytes buf, std::size_t off, std::size_t len, MutBytes out, MutBytes scratch,
                                 Now now) {
    return peer_.encapsulate(buf, off, len, out, scratch, now);
}

LinkSession::Inbound TlsLink::decapsulate(Bytes datagram, MutBytes out, MutBytes scratch, Now now) {
    if (header_of(datagram).kind == ovpn::control::PacketKind::Data)
        return peer_.decapsulate(datagram, out, scratch, now);
    return on_control(datagram, now);
}

bool TlsLink::accepts_new_source(Bytes datagram, const net::SockAddr& from) const {
    if (!cfg_.server || cfg_.multi) return false;
    if (cand_ && cand_->addr && cand_->addr->same_endpoint(from)) return true;
    return is_new_client_reset(datagram);
}

bool TlsLink::is_new_client_reset(Bytes datagram) const {
    // Every wrapped control packet carries the sender's session id in clear after the
    // opcode byte (tls-auth and tls-crypt alike): 1 + 8 bytes.
    if (!cfg_.server || cfg_.multi || !is_client_reset(datagram) || datagram.size() <= 9) return false;
    auto known = tls_ ? tls_->remote_session_id() : std::nullopt;
    return !known || !std::equal(known->begin(), known->end(), datagram.begin() + 1);
}

// A server session for a client's reset; nullptr (counted) when the reset does not
// authenticate (tls-auth / tls-crypt) or is malformed.
std::unique_ptr<TlsSession> TlsLink::session_for_reset(Bytes reset, Now now) {
    auto fresh = std::make_unique<TlsSession>(cfg_.ctx, cfg_.session);
    fresh->start(now.mono_ms);
    fresh->on_packet(reset, now.mono_ms);
    if (fresh->dropped() == 0) return fresh;
    peer_.stats().count(ovpn::Drop::BadHmac);
    return nullptr;
}

LinkSession::Inbound TlsLink::decapsulate_foreign(Bytes datagram, const net::SockAddr& from, Now now) {
    return to_candidate(datagram, from, now);
}

// A client at `from` (nullopt: the current peer's address) starting a session while
// the current one is up.  It runs beside it and replaces it only once its TLS
// handshake and key exchange are done -- a forged, replayed or unfinished reset never
// costs the current client its tunnel (2.6 p2p: the untrusted key-state slot).
LinkSession::Inbound TlsLink::to_candidate(Bytes datagram, std::optional<net::SockAddr> from, Now now) {
    auto& st = peer_.stats();
    const bool same = cand_ && ((!cand_->addr && !from) || (cand_->addr && from && cand_->addr->same_endpoint(*from)));
    if (same && !is_other_reset(*cand_->tls, datagram)) {
        const std::size_t before = cand_->tls->dropped();
        cand_->tls->on_packet(datagram, now.mono_ms);
        const bool authentic = cand_->tls->dropped() == before;
        drain_candidate(now);
        if (!authentic) st.count(ovpn::Drop::BadHmac);
        return {authentic ? Kind::Consumed : Kind::Dropped, {}, false};
    }
    if (!is_client_reset(datagram)) {
        st.count(ovpn::Drop::NoKey);
        return {Kind::Dropped, {}, false};
    }
    auto fresh = session_for_reset(datagram, now);
    if (!fresh) return {Kind::Dropped, {}, false};
    cand_.emplace();
    cand_->tls = std::move(fresh);
    cand_->addr = from;
    drain_candidate(now);
    return {Kind::Consumed, {}, false};
}

// A reset with another session id than `s` has: the client started over once more.
// (Its own reset retransmitted goes to `s`.)
bool TlsLink::is_other_reset(const TlsSession& s, Bytes datagram) const {
    if (!is_client_reset(datagram) || datagram.size() <= 9) return false;
    auto known = s.remote_session_id();
    return known && !std::equal(known->begin(), known->end(), datagram.begin() + 1);
}

void TlsLink::drain_candidate(Now now) {
    while (cand_) {
        auto e = cand_->tls->next_event();
        if (!e) break;
        switch (e->kind) {
            case SessionEvent::Kind::Send:
                // At the peer's own address its packets share the peer's queue.
                if (!cand_->addr && out_.size() < 256)
                    out_.push_back(std::move(e->bytes));
                else if (cand_->out.size() < 256)
                    cand_->out.push_back(std::move(e->bytes));
                break;
            case SessionEvent::Kind::KeysReady: {
                // Proven: it becomes the session; its key is installed like any first key.
                log::info("a new client session replaces the current one");
                codec_->clear();
                if (cand_->addr) out_.clear();  // the old peer's, now at another address
                for (auto& pkt : cand_->out) out_.push_back(std::move(pkt));
                if (cand_->addr) new_peer_ = cand_->addr;
                tls_ = std::move(cand_->tls);
                cand_.reset();
                on_keys(*e, now);
                drain(now);
                return;
            }
            case SessionEvent::Kind::Failed:
                log::error("{}", e->text);
                cand_.reset();
                return;
            default:
                break;  // Established, messages: nothing before the keys
        }
    }
}

std::size_t TlsLink::next_foreign(MutBytes out, net::SockAddr& to) {
    if (!cand_ || !cand_->addr || cand_->out.empty()) return 0;
    auto pkt = std::move(cand_->out.front());
    cand_->out.pop_front();
    if (pkt.size() > out.size()) return 0;
    std::copy(pkt.begin(), pkt.end(), out.begin());
    to = *cand_->addr;
    return pkt.size();
}

std::optional<net::SockAddr> TlsLink::take_new_peer() {
    auto a = new_peer_;
    new_peer_.reset();
    return a;
}

LinkSession::Inbound TlsLink::on_control(Bytes datagram, Now now) {
    auto& st = peer_.stats();
    if (is_new_client_reset(datagram)) {
        // With a session up, a new one must prove itself first; without, it takes over.
        if (tls_ && codec_->has_send_key()) return to_candidate(datagram, std::nullopt, now);
        auto fresh = session_for_reset(datagram, now);
        if (!fresh) return {Kind::Dropped, {}, false};
        codec_->clear();
        peer_.restart(now);
        out_.clear();
        tls_ = std::move(fresh);
        drain(now);
        return {Kind::Consumed, {}, false};
    }
    if (cand_ && !cand_->addr) {
        // Same address as the peer: the packet belongs to the candidate if its session
        // id says so.
        auto known = cand_->tls->remote_session_id();
        if (known && datagram.size() > 9 && std::equal(known->begin(), known->end(), datagram.begin() + 1))
            return to_candidate(datagram, std::nullopt, now);
    }
    if (!tls_) {
        st.count(ovpn::Drop::NoKey);
        return {Kind::Dropped, {}, false};
    }
    const std::size_t before = tls_->dropped();
    tls_->on_packet(datagram, now.mono_ms);
    const bool authentic = tls_->dropped() == before;
    drain(now);
    if (!authentic) {
        st.count(ovpn::Drop::BadHmac);
        return {Kind::Dropped, {}, false};
    }
    return {Kind::Consumed, {}, codec_->has_send_key()};
}

void TlsLink::drain(Now now) {
    while (tls_) {
        auto e = tls_->next_event();
        if (!e) break;
        switch (e->kind) {
            case SessionEvent::Kind::Send:
                // The reliable layer bounds what is in flight; this is a safety net.
                if (out_.size() < 256) out_.push_back(std::move(e->bytes));
                break;
            case SessionEvent::Kind::Established:
                log::info("{}", tls_->tls_description());
                if (cfg_.pull) {
                    push_done_ = false;
                    push_options_.clear();
                    tls_->send_control_message("PUSH_REQUEST", now.mono_ms);
                    next_push_request_ms_ = now.mono_ms + kPushRequestIntervalMs;
                }
                break;
            case SessionEvent::Kind::KeysReady:
                on_keys(*e, now);
                break;
            case SessionEvent::Kind::ControlMessage:
                on_message(e->text, now);
                break;
            case SessionEvent::Kind::KeyRetired:
                codec_->retire(e->key_id);
                break;
            case SessionEvent::Kind::Failed:
                fail_session(e->text, Verdict::Restart);
                return;
        }
    }
}

void TlsLink::on_keys(SessionEvent& e, Now now) {
    const bool first = !codec_->has_send_key();
    if (refused_) return;
    if (cfg_.server && first && hooks_.authorize) {
        if (std::string why = hooks_.authorize(*tls_); !why.empty()) {
            log::warn("client refused: {}", why);
            refused_ = true;
            key_since_ = now.mono;
            return;
        }
    }
    if (first) cipher_ = e.text.substr(0, e.text.find(','));
    log::info("Data Channel: key_id {}: {}", e.key_id, e.text);
    if (cfg_.server && first) {
        // 2.6 servers give every client that does P_DATA_V2 a peer-id (ours: the
        // configured one; 0 for the one-client server).
        peer_id_ = ovpn::peer_info_iv_proto(tls_->peer_info()) & ovpn::iv_proto::kDataV2 ? cfg_.peer_id : ovpn::kNoPeerId;
        codec_->set_peer_id(peer_id_);
    }
    codec_->install(e.key_id, std::move(e.channel), now);
    key_since_ = now.mono;
    if (first) {
        peer_.restart(now);
        if (hooks_.on_up) hooks_.on_up(*tls_);
    }
}

void TlsLink::on_message(const std::string& text, Now now) {
    if (cfg_.server) {
        if (text == "PUSH_REQUEST" && refused_) {
            tls_->send_control_message("AUTH_FAILED", now.mono_ms);
            if (!end_at_ms_) end_at_ms_ = now.mono_ms + kAuthFailedLingerMs;
            return;
        }
        if (text == "PUSH_REQUEST" && hooks_.push_for && codec_->has_send_key()) {
            try {
                for (const auto& msg : ovpn::build_push_reply(hooks_.push_for(*tls_, peer_id_)))
                    tls_->send_control_message(msg, now.mono_ms);
            } catch (const std::exception& e) {
                log::error("cannot build the PUSH_REPLY: {}", e.what());
            }
        } else if (text != "PUSH_REQUEST") {
            log::verbose("control message from the client ignored: {}", text.substr(0, 64));
        }
        return;
    }
    if (starts_with(text, "PUSH_REPLY")) {
        if (!cfg_.pull || push_done_) return;
        auto r = ovpn::parse_push_reply(text);
        if (!r.ok) return;  // the session fails on it by itself
        for (auto& o : r.reply.options) push_options_.push_back(std::move(o));
        if (r.reply.continuation == 2) return;
        push_done_ = true;
        next_push_request_ms_.reset();
        log::info("PUSH: Received control message: '{}'", ovpn::redact_push_reply(text));
        std::string err = hooks_.on_push ? hooks_.on_push(push_options_) : std::string();
        if (!err.empty()) fail_session("Failed to apply push options: " + err, Verdict::Restart);
        return;
    }
    if (starts_with(text, "RESTART")) {
        // The server is going away or asks us to reconnect (--explicit-exit-notify).
        log::info("Server pushed connection reset");
        fail_session("server-pushed-connection-reset", Verdict::Restart);
        return;
    }
    if (starts_with(text, "AUTH_FAILED")) {
        log::error("AUTH: Received control message: {}", text);
        fail_session("auth-failure", Verdict::Exit);
        return;
    }
    if (starts_with(text, "HALT")) {
        log::info("Server requested halt: {}", text);
        fail_session("server-pushed-halt", Verdict::Exit);
        return;
    }
    log::verbose("control message ignored: {}", text.substr(0, 64));
}

void TlsLink::fail_session(const std::string& why, Verdict v) {
    if (!why.empty() && why.find(' ') != std::string::npos) log::error("{}", why);
    if (cfg_.multi) {
        reason_ = why.empty() ? reason_ : why.find(' ') == std::string::npos ? why : "tls-error";
        if (reason_.empty()) reason_ = "tls-error";
        pending_verdict_ = Verdict::Restart;
        return;
    }
    if (cfg_.server) {
        // Wait for the next client; the device and socket stay.
        tls_.reset();
        codec_->clear();
        out_.clear();
        return;
    }
    reason_ = why.find(' ') == std::string::npos ? why : "tls-error";
    if (pending_verdict_ != Verdict::Exit) pending_verdict_ = v;
}

std::size_t TlsLink::next_datagram(MutBytes out, MutBytes scratch, Now now) {
    if (!out_.empty()) {
        auto& pkt = out_.front();
        if (pkt.size() > out.size()) {
            out_.pop_front();
            return 0;
        }
        std::copy(pkt.begin(), pkt.end(), out.begin());
        std::size_t n = pkt.size();
        out_.pop_front();
        return n;
    }
    return peer_.next_datagram(out, scratch, now);
}

void TlsLink::check_renegotiation(Now now) {
    if (!tls_ || tls_->state() != TlsSession::State::Active || tls_->renegotiating() || !codec_->has_send_key())
        return;
    const char* why = nullptr;
    if (cfg_.reneg_sec > 0 && now.mono - key_since_ >= cfg_.reneg_sec)
        why = "reneg-sec";
    else if (cfg_.reneg_bytes > 0 && codec_->bytes_on_send_key() >= static_cast<std::uint64_t>(cfg_.reneg_bytes))
        why = "reneg-bytes";
    else if (cfg_.reneg_pkts > 0 && codec_->packets_on_send_key() >= static_cast<std::uint64_t>(cfg_.reneg_pkts))
        why = "reneg-pkts";
    else if (codec_->needs_renegotiation())
        why = "packet ids close to wrapping";
    if (!why) return;
    if (tls_->renegotiate(now.mono_ms)) {
        log::info("TLS: soft reset ({}), key_id {}", why, tls_->current_key_id());
        key_since_ = now.mono;  // not again before this one had its chance
    }
}

Verdict TlsLink::on_timer(Now now) {
    if (end_at_ms_ && now.mono_ms >= *end_at_ms_ && pending_verdict_ == Verdict::None) {
        reason_ = "auth-failure";
        pending_verdict_ = Verdict::Restart;
    }
    if (refused_ && !end_at_ms_ && now.mono - key_since_ >= kRefusedMaxSeconds) end_at_ms_ = now.mono_ms;
    if (start_at_ms_ && now.mono_ms >= *start_at_ms_) {
        start_at_ms_.reset();
        new_client_session(now);
    }
    if (tls_) {
        tls_->on_timer(now.mono_ms);
        drain(now);
    }
    if (cand_) {
        cand_->tls->on_timer(now.mono_ms);
        drain_candidate(now);
    }
    codec_->on_timer(now);
    if (tls_ && cfg_.pull && !push_done_ && next_push_request_ms_ && now.mono_ms >= *next_push_request_ms_) {
        tls_->send_control_message("PUSH_REQUEST", now.mono_ms);
        next_push_request_ms_ = now.mono_ms + kPushRequestIntervalMs;
        drain(now);
    }
    check_renegotiation(now);
    if (tls_) drain(now);
    if (tls_ && !cfg_.server && cfg_.server_poll_timeout > 0 && !codec_->has_send_key() &&
        now.mono - attempt_since_ >= cfg_.server_poll_timeout && pending_verdict_ == Verdict::None) {
        log::info("Server poll timeout, restarting");
        fail_session("server_poll", Verdict::Restart);
    }
    if (pending_verdict_ != Verdict::None) {
        Verdict v = pending_verdict_;
        pending_verdict_ = Verdict::None;
        if (v == Verdict::Restart && exiting_) v = Verdict::Exit;
        return v;
    }
    Verdict v = peer_.on_timer(now);
    if (v != Verdict::None) reason_ = peer_.verdict_reason();
    if (v == Verdict::Restart && cfg_.server && !cfg_.multi) {
        // ping-restart on a server: forget the client, keep listening.
        log::info("client session ended ({})", reason_);
        fail_session("", v);
        peer_.restart(now);
        return Verdict::None;
    }
    return v;
}

std::optional<std::int64_t> TlsLink::next_wake_ms() const {
    std::optional<std::int64_t> t;
    auto take = [&](std::optional<std::int64_t> x) {
        if (x && (!t || *x < *t)) t = x;
    };
    if (tls_) take(tls_->next_timeout());
    if (cand_) take(cand_->tls->next_timeout());
    take(codec_->next_wake_ms());
    take(next_push_request_ms_);
    take(start_at_ms_);
    take(end_at_ms_);
    take(peer_.next_wake_ms());
    if (pending_verdict_ != Verdict::None) take(std::int64_t{0});
    return t;
}

void TlsLink::send_restart(Now now) {
    if (tls_ && codec_->has_send_key()) tls_->send_control_message("RESTART", now.mono_ms);
    drain(now);
}

Verdict TlsLink::begin_exit(Now now, bool can_notify) {
    exiting_ = true;
    return peer_.begin_exit(now, can_notify && codec_->has_send_key());
}

void TlsLink::restart(Now now) {
    if (!cfg_.server) {
        failed_attempts_ = codec_->has_send_key() ? 0 : failed_attempts_ + 1;
        if (cfg_.max_attempts > 0 && failed_attempts_ >= cfg_.max_attempts) {
            log::info("No usable connection profiles are present (connect-retry-max)");
            reason_ = "connect-retry-max";
            pending_verdict_ = Verdict::Exit;
            return;
        }
    }
    codec_->clear();
    peer_.restart(now);
    out_.clear();
    cand_.reset();
    pending_verdict_ = Verdict::None;
    push_done_ = false;
    next_push_request_ms_.reset();
    push_options_.clear();
    tls_.reset();
    if (!cfg_.server) {
        log::info("Restart pause, {} ms", cfg_.restart_pause_ms);
        start_at_ms_ = now.mono_ms + cfg_.restart_pause_ms;
    }
}

}  // namespace vpn::p2p
