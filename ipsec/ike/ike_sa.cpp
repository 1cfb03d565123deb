// IkeSa: construction, the receive path up to the exchange handlers, timers,
// queued work and bookkeeping.  The exchanges themselves are in their own files.
#include "ipsec/ike/ike_sa.hpp"

#include <algorithm>
#include <limits>

#include "ipsec/ike/ike_sa_parts.hpp"

namespace vpn::ike {

const char* state_name(IkeSaState s) {
    switch (s) {
        case IkeSaState::Idle: return "IDLE";
        case IkeSaState::SaInitSent: return "SA_INIT_SENT";
        case IkeSaState::AuthSent: return "AUTH_SENT";
        case IkeSaState::HalfOpen: return "HALF_OPEN";
        case IkeSaState::Established: return "ESTABLISHED";
        case IkeSaState::Deleting: return "DELETING";
        case IkeSaState::Closed: return "CLOSED";
    }
    return "?";
}

const char* drop_name(DropReason r) {
    switch (r) {
        case DropReason::Malformed: return "malformed";
        case DropReason::UnknownSpi: return "unknown-spi";
        case DropReason::Unexpected: return "unexpected";
        case DropReason::Unauthenticated: return "unauthenticated";
        case DropReason::BadFragment: return "bad-fragment";
        case DropReason::Internal: return "internal";
        case DropReason::Count_: break;
    }
    return "?";
}

std::uint64_t IkeStats::total_drops() const {
    std::uint64_t n = 0;
    for (auto d : drops) n += d;
    return n;
}

IkeSa::IkeSa(IkeSaConfig config, Endpoints ep, std::int64_t now)
    : cfg_(std::move(config)), ep_(ep), created_(now), last_inbound_(now) {
    rng_ = cfg_.random ? cfg_.random : system_random();
    kex_ = cfg_.key_exchange ? cfg_.key_exchange : system_key_exchange();
    cur_ = std::make_unique<SaContext>();
    cur_->we_initiated = cfg_.role == IkeRole::Initiator;
    if (cur_->we_initiated) cur_->spi_i = rng_->ike_spi();
    init_ = std::make_unique<InitData>();
}

IkeSa::~IkeSa() = default;

IkeSpi IkeSa::spi_i() const { return cur_->spi_i; }
IkeSpi IkeSa::spi_r() const { return cur_->spi_r; }

std::vector<IkeSpi> IkeSa::local_spis() const {
    std::vector<IkeSpi> v;
    if (cur_->we_initiated || cur_->spi_r != IkeSpi{}) v.push_back(cur_->our_spi());
    if (old_) v.push_back(old_->our_spi());
    return v;
}

std::vector<ChildInfo> IkeSa::children() const {
    std::vector<ChildInfo> v;
    for (const auto& c : children_) v.push_back({c.spi_in, c.spi_out, c.transforms, c.local_ts, c.remote_ts, c.rekey_at, c.expire_at});
    return v;
}

std::vector<OutDatagram> IkeSa::take_datagrams() { return std::exchange(out_, {}); }
std::vector<IkeEvent> IkeSa::take_events() { return std::exchange(events_, {}); }

void IkeSa::drop(DropReason r) { ++stats_.drops[std::size_t(r)]; }
void IkeSa::emit(IkeEvent e) { events_.push_back(std::move(e)); }

void IkeSa::fail(const std::string& reason, bool authentication) {
    if (state_ == IkeSaState::Closed) return;
    for (const auto& c : children_) emit(ChildSaDown{c.spi_in, c.spi_out, reason});
    children_.clear();
    if (vip_ && cfg_.virtual_ip == VirtualIp::Gateway && cfg_.allocator && peer_id_)
        cfg_.allocator->release(*peer_id_, *vip_);
    vip_.reset();
    tasks_.clear();
    cur_->outstanding.reset();
    old_.reset();
    state_ = IkeSaState::Closed;
    emit(IkeDown{reason, authentication});
}

// ---------------------------------------------------------------- receive path

void IkeSa::on_datagram(Bytes message, const Endpoints& ep, std::int64_t now) {
    if (state_ == IkeSaState::Closed) return drop(DropReason::Unexpected);
    try {
        receive(message, ep, now);
        run_tasks(now);
    } catch (...) {
        // Only a crypto library failure gets here; the datagram is lost, the SA is not.
        drop(DropReason::Internal);
    }
}

void IkeSa::receive(Bytes message, const Endpoints& ep, std::int64_t now) {
    auto parsed = parse_message(message);
    if (!parsed.ok()) {
        const auto& h = parsed.value.header;
        // RFC 7296 §2.5/§1.5: an IKE_SA_INIT request with an unknown critical
        // payload or a higher major version gets the matching notify, in clear.
        const bool critical = *parsed.error == CodecError::UnsupportedCritical;
        const bool version = *parsed.error == CodecError::BadVersion && h.major_version() > 2;
        if ((critical || version) && h.exchange == ExchangeType::IkeSaInit && !h.is_response() &&
            cfg_.role == IkeRole::Responder && state_ == IkeSaState::Idle && message.size() >= kHeaderLen) {
            std::uint8_t t = parsed.value.chain.unsupported_critical;
            std::uint8_t v = kVersion;  // INVALID_MAJOR_VERSION data: the highest we speak
            std::vector<std::uint8_t> buf(64);
            IkeHeader rh = h;
            rh.version = kVersion;
            rh.flags = flag::kResponse;
            rh.spi_r = {};
            MessageBuilder b(buf, rh);
            if (critical) add_notify(b, notify::kUnsupportedCriticalPayload, Bytes(&t, 1));
            else add_notify(b, notify::kInvalidMajorVersion, Bytes(&v, 1));
            buf.resize(b.finish());
            send_wire({buf}, ep.remote, ep.local);
        }
        return drop(DropReason::Malformed);
    }
    const MessageView& m = parsed.value;
    const IkeHeader& h = m.header;
    if (h.exchange == ExchangeType::IkeSaInit) return on_sa_init(m, ep, now);

    SaContext* ctx = context_for(h);
    if (!ctx) return drop(DropReason::UnknownSpi);
    if (!ctx->keyed) return drop(DropReason::Unexpected);
    // Messages from the peer carry the I flag exactly when the peer is the SA's
    // original initiator (RFC 7296 §3.1).
    if (h.from_initiator() == ctx->we_initiated) return drop(DropReason::Unexpected);
    const PayloadView* enc = m.encrypted();
    if (!enc) return drop(DropReason::Unauthenticated);

    Inbound in;
    in.msg = &m;
    in.ctx = ctx;
    in.ep = ep;
    in.now = now;

    if (h.is_response()) {
        if (!ctx->outstanding || ctx->outstanding->mid != h.message_id || ctx->outstanding->exchange != h.exchange)
            return drop(DropReason::Unexpected);
    } else if (ctx->answered_mid && *ctx->answered_mid == h.message_id) {
        // A retransmitted request: our cached response again, after checking it is
        // authentic (no amplification for spoofers).  For fragments, RFC 7383 §2.6.1:
        // answer fragment 1 only.
        if (enc->type == PayloadType::SKF && (enc->body.size() < 2 || load_be16(enc->body.data()) != 1)) return;
        std::vector<std::uint8_t> scratch(m.raw.size());
        std::size_t off = enc->offset + kPayloadHeaderLen + (enc->type == PayloadType::SKF ? 4 : 0);
        if (!ctx->in.open(m.raw, off, scratch).ok()) return drop(DropReason::Unauthenticated);
        ++stats_.duplicates_answered;
        return send_wire(ctx->answer, ep.remote, ep.local);
    } else if (h.message_id != ctx->peer_mid) {
        return drop(DropReason::Unexpected);
    }

    if (!open(*ctx, m, in)) return;  // dropped, or waiting for more fragments
    last_inbound_ = now;

    if (h.is_response()) {
        Outstanding o = std::move(*ctx->outstanding);
        ctx->outstanding.reset();
        update_peer(ep);
        if (h.exchange == ExchangeType::IkeAuth && o.kind == Outstanding::Kind::Auth) return on_auth_response(in);
        if (h.exchange == ExchangeType::CreateChildSa && o.kind == Outstanding::Kind::ChildRekey)
            return on_child_rekey_response(in, o);
        if (h.exchange == ExchangeType::CreateChildSa && o.kind == Outstanding::Kind::IkeRekey)
            return on_ike_rekey_response(in, o);
        if (h.exchange == ExchangeType::Informational) return on_informational_response(in, o);
        return;
    }

    // A new request: from here on it is answered exactly once.
    ctx->peer_mid = h.message_id + 1;
    update_peer(ep);
    dispatch(in);
}

void IkeSa::dispatch(Inbound& in) {
    const IkeHeader& h = in.h();
    if (h.exchange == ExchangeType::IkeAuth) {
        if (cfg_.role == IkeRole::Responder && state_ == IkeSaState::HalfOpen && in.ctx == cur_.get())
            return on_auth_request(in);
        return send_error_response(*in.ctx, h.exchange, h.message_id, notify::kInvalidSyntax, in.ep);
    }
    if (state_ != IkeSaState::Established && state_ != IkeSaState::Deleting) {
        return send_error_response(*in.ctx, h.exchange, h.message_id, notify::kInvalidSyntax, in.ep);
    }
    switch (h.exchange) {
        case ExchangeType::CreateChildSa: return on_create_child_request(in);
        case ExchangeType::Informational: return on_informational_request(in);
        default:
            // An exchange type we do not know: answer INVALID_SYNTAX so the peer's
            // window moves on (RFC 7296 §2.21.3).
            return send_error_response(*in.ctx, h.exchange, h.message_id, notify::kInvalidSyntax, in.ep);
    }
}

void IkeSa::update_peer(const Endpoints& ep) {
    if (ep.remote == ep_.remote && ep.local == ep_.local) return;
    const bool floated = ep.local.port == kPortNatT && ep_.local.port != kPortNatT;
    ep_ = ep;
    if (floated) {
        // The responder's half of the float to 4500 (RFC 7296 §2.23).
        natt_ = true;
        emit(NatChanged{true, ep.remote, ep.local});
    } else {
        emit(PeerMoved{ep.remote});
    }
}

// ---------------------------------------------------------------- timers and work

void IkeSa::on_timer(std::int64_t now) {
    if (state_ == IkeSaState::Closed) return;
    try {
        if (state_ == IkeSaState::HalfOpen && now >= created_ + cfg_.half_open_timeout_ms)
            return fail("IKE_AUTH did not arrive in time (half-open)");
        if (old_) retransmit(*old_, now);
        retransmit(*cur_, now);
        if (state_ != IkeSaState::Established) return;
        check_lifetimes(now);
        if (cfg_.dpd_interval_ms > 0 && !cur_->outstanding && tasks_.empty() &&
            now - last_inbound_ >= cfg_.dpd_interval_ms)
            tasks_.push_back({TaskKind::Dpd});
        run_tasks(now);
    } catch (...) {
        drop(DropReason::Internal);
    }
}

std::optional<std::int64_t> IkeSa::next_wake(std::int64_t now) const {
    if (state_ == IkeSaState::Closed) return std::nullopt;
    std::int64_t t = std::numeric_limits<std::int64_t>::max();
    for (const SaContext* c : {cur_.get(), old_.get()}) {
        if (!c || !c->outstanding) continue;
        t = std::min(t, c->outstanding->next_at);
        if (c->outstanding->kind == Outstanding::Kind::Dpd && cfg_.dpd_timeout_ms > 0)
            t = std::min(t, c->outstanding->started_at + cfg_.dpd_timeout_ms);
    }
    if (state_ == IkeSaState::HalfOpen) t = std::min(t, created_ + cfg_.half_open_timeout_ms);
    if (state_ == IkeSaState::Established) {
        for (const auto& c : children_) {
            if (c.state == Child::State::Installed) t = std::min(t, c.rekey_at);
            t = std::min(t, c.expire_at);
        }
        t = std::min(t, ike_rekey_at_);
        if (cfg_.dpd_interval_ms > 0 && !cur_->outstanding) t = std::min(t, last_inbound_ + cfg_.dpd_interval_ms);
        if (!tasks_.empty() && !cur_->outstanding) t = now;
    }
    return std::max(t, now);
}

std::int64_t IkeSa::jittered(std::int64_t lifetime, std::int64_t now) {
    // strongSwan's way: rekey somewhat before the end, minus a random share, so two
    // peers with the same lifetime rarely rekey at once (RFC 7296 §2.8.1).
    return now + lifetime * 9 / 10 - static_cast<std::int64_t>(rng_->below(std::uint64_t(lifetime / 10) + 1));
}

void IkeSa::check_lifetimes(std::int64_t now) {
    for (auto& c : children_) {
        if (now >= c.expire_at && c.state != Child::State::Deleting) {
            c.state = Child::State::Deleting;
            tasks_.push_back({TaskKind::DeleteChild, c.spi_in});
        } else if (now >= c.rekey_at && c.state == Child::State::Installed) {
            c.state = Child::State::Rekeying;
            tasks_.push_back({TaskKind::RekeyChild, c.spi_in});
        }
    }
    if (now >= ike_rekey_at_) {
        ike_rekey_at_ = std::numeric_limits<std::int64_t>::max();
        tasks_.push_back({TaskKind::RekeyIke});
    }
}

void IkeSa::queue(Task t, std::int64_t now) {
    for (const auto& q : tasks_)
        if (q.kind == t.kind && q.spi == t.spi) return;
    tasks_.push_back(t);
    run_tasks(now);
}

void IkeSa::run_tasks(std::int64_t now) {
    while (state_ == IkeSaState::Established && !cur_->outstanding && !tasks_.empty()) {
        Task t = tasks_.front();
        tasks_.pop_front();
        switch (t.kind) {
            case TaskKind::RekeyChild: start_child_rekey(t.spi, now); break;
            case TaskKind::RekeyIke: start_ike_rekey(now); break;
            case TaskKind::DeleteChild: start_delete_child(t.spi, now); break;
            case TaskKind::DeleteIke: start_delete_ike(now); break;
            case TaskKind::Dpd: start_dpd(now); break;
        }
    }
}

void IkeSa::rekey_child(std::uint32_t spi_in, std::int64_t now) {
    try {
        if (Child* c = child_by_in(spi_in); c && c->state == Child::State::Installed) {
            c->state = Child::State::Rekeying;
            queue({TaskKind::RekeyChild, spi_in}, now);
        }
    } catch (...) {
        drop(DropReason::Internal);
    }
}

void IkeSa::rekey_ike(std::int64_t now) {
    try {
        queue({TaskKind::RekeyIke}, now);
    } catch (...) {
        drop(DropReason::Internal);
    }
}

void IkeSa::delete_child(std::uint32_t spi_in, std::int64_t now) {
    try {
        if (Child* c = child_by_in(spi_in)) {
            c->state = Child::State::Deleting;
            queue({TaskKind::DeleteChild, spi_in}, now);
        }
    } catch (...) {
        drop(DropReason::Internal);
    }
}

void IkeSa::close(std::int64_t now) {
    if (state_ == IkeSaState::Closed) return;
    if (state_ != IkeSaState::Established) return fail("closed");
    try {
        tasks_.clear();
        queue({TaskKind::DeleteIke}, now);
    } catch (...) {
        drop(DropReason::Internal);
    }
}

void IkeSa::note_inbound_esp(std::int64_t now) { last_inbound_ = std::max(last_inbound_, now); }

}  // namespace vpn::ike
