#include "ipsec/ike/responder_gate.hpp"

#include <algorithm>
#include <limits>

#include "ipsec/ike/notify_payload.hpp"
#include "ipsec/ike/payload_builder.hpp"
#include "ipsec/ike/payload_chain.hpp"
#include "ipsec/ike/simple_payloads.hpp"

namespace vpn::ike {

namespace {

std::vector<std::uint8_t> endpoint_key(const Endpoint& e) {
    std::vector<std::uint8_t> k(e.ip.span().begin(), e.ip.span().end());
    k.push_back(std::uint8_t(e.port >> 8));
    k.push_back(std::uint8_t(e.port));
    return k;
}

}  // namespace

ResponderGate::ResponderGate(ConfigFactory factory, GateConfig cfg, std::int64_t now)
    : factory_(std::move(factory)),
      cfg_(cfg),
      rng_(cfg.random ? cfg.random : system_random()),
      cookies_(rng_, cfg.cookie_secret_ms, now) {}

std::size_t ResponderGate::half_open() const {
    return std::count_if(sas_.begin(), sas_.end(),
                         [](const auto& e) { return e.second.sa->state() == IkeSaState::HalfOpen; });
}

IkeSa* ResponderGate::find(SaId id) {
    auto it = sas_.find(id);
    return it == sas_.end() ? nullptr : it->second.sa.get();
}

ResponderGate::SaId ResponderGate::adopt(std::unique_ptr<IkeSa> sa) {
    SaId id = next_id_++;
    sas_[id] = Entry{std::move(sa), {}, {}, {}};
    collect(id);
    reindex(id);
    return id;
}

void ResponderGate::on_datagram(Bytes message, const Endpoints& ep, std::int64_t now) {
    auto h = parse_header(message);
    if (!h.ok()) {
        ++stats_.malformed;
        return;
    }
    if (h.value.exchange == ExchangeType::IkeSaInit && !h.value.is_response()) {
        on_sa_init_request(message, h.value, ep, now);
    } else {
        // Our SPI is the one of the side that did not send the message.
        const IkeSpi& ours = h.value.from_initiator() ? h.value.spi_r : h.value.spi_i;
        auto it = by_spi_.find(ours);
        if (it == by_spi_.end()) {
            ++stats_.unknown_spi;
            return;
        }
        SaId id = it->second;
        sas_[id].sa->on_datagram(message, ep, now);
        collect(id);
        reindex(id);
    }
    reap();
}

void ResponderGate::on_sa_init_request(Bytes message, const IkeHeader& h, const Endpoints& ep, std::int64_t now) {
    auto key = std::make_pair(h.spi_i, endpoint_key(ep.remote));
    if (auto it = by_init_.find(key); it != by_init_.end()) {
        // A retransmission (or a retry) of an IKE_SA_INIT we already hold.
        sas_[it->second].sa->on_datagram(message, ep, now);
        collect(it->second);
        reindex(it->second);
        return;
    }
    if (h.spi_r != IkeSpi{} || h.message_id != 0) {
        ++stats_.malformed;
        return;
    }
    auto m = parse_message(message);
    if (!m.ok()) {
        ++stats_.malformed;
        return;
    }
    const std::size_t ho = half_open();
    if (ho >= cfg_.max_half_open) {
        ++stats_.refused_half_open;
        return;
    }
    if (ho >= cfg_.cookie_threshold) {
        const auto* nonce = m.value.chain.find(PayloadType::Nonce);
        if (!nonce) {
            ++stats_.malformed;
            return;
        }
        bool ok = false;
        const auto& first = m.value.chain.payloads;
        if (!first.empty() && first[0].type == PayloadType::Notify) {
            auto n = parse_notify(first[0].body);
            if (n.ok() && n.value.type == notify::kCookie) {
                ok = cookies_.valid(n.value.data, nonce->body, ep.remote.ip, h.spi_i, now);
                if (!ok) ++stats_.bad_cookies;
            }
        }
        if (!ok) {
            // Stateless answer: HDR(SPIi, 0), N(COOKIE) (RFC 7296 §2.6).
            auto cookie = cookies_.make(nonce->body, ep.remote.ip, h.spi_i, now);
            IkeHeader rh;
            rh.spi_i = h.spi_i;
            rh.exchange = ExchangeType::IkeSaInit;
            rh.flags = flag::kResponse;
            std::vector<std::uint8_t> buf(128);
            MessageBuilder b(buf, rh);
            NotifyPayload n;
            n.type = notify::kCookie;
            n.data = cookie;
            b.add_payload(PayloadType::Notify, n);
            buf.resize(b.finish());
            out_.push_back({buf, ep.remote, ep.local, ep.local.port == kPortNatT});
            ++stats_.cookies_sent;
            return;
        }
    }
    auto config = factory_(ep);
    if (!config) return;
    config->role = IkeRole::Responder;
    SaId id = next_id_++;
    Entry e;
    e.sa = std::make_unique<IkeSa>(std::move(*config), ep, now);
    e.init_spi = h.spi_i;
    e.init_from = ep.remote;
    e.sa->on_datagram(message, ep, now);
    sas_[id] = std::move(e);
    by_init_[key] = id;
    ++stats_.created;
    collect(id);
    reindex(id);
}

void ResponderGate::reindex(SaId id) {
    Entry& e = sas_[id];
    for (const auto& s : e.spis) by_spi_.erase(s);
    e.spis = e.sa->local_spis();
    for (const auto& s : e.spis) by_spi_[s] = id;
}

void ResponderGate::collect(SaId id) {
    IkeSa& sa = *sas_[id].sa;
    for (auto& d : sa.take_datagrams()) out_.push_back(std::move(d));
    for (auto& ev : sa.take_events()) events_.push_back({id, std::move(ev)});
}

void ResponderGate::reap() {
    for (auto it = sas_.begin(); it != sas_.end();) {
        const IkeSa& sa = *it->second.sa;
        // Closed SAs, and responders still Idle (refused an IKE_SA_INIT with
        // INVALID_KE_PAYLOAD: nothing worth keeping, the retry makes a new one).
        const bool dead = sa.closed() || (sa.role() == IkeRole::Responder && sa.state() == IkeSaState::Idle);
        if (!dead) {
            ++it;
            continue;
        }
        for (const auto& s : it->second.spis) by_spi_.erase(s);
        if (sa.role() == IkeRole::Responder)
            by_init_.erase(std::make_pair(it->second.init_spi, endpoint_key(it->second.init_from)));
        it = sas_.erase(it);
        ++stats_.reaped;
    }
}

void ResponderGate::on_timer(std::int64_t now) {
    for (auto& [id, e] : sas_) {
        e.sa->on_timer(now);
        collect(id);
        reindex(id);
    }
    reap();
}

std::optional<std::int64_t> ResponderGate::next_wake(std::int64_t now) const {
    std::optional<std::int64_t> t;
    for (const auto& [id, e] : sas_)
        if (auto w = e.sa->next_wake(now)) t = t ? std::min(*t, *w) : *w;
    return t;
}

std::vector<OutDatagram> ResponderGate::take_datagrams() { return std::exchange(out_, {}); }
std::vector<ResponderGate::Event> ResponderGate::take_events() { return std::exchange(events_, {}); }

}  // namespace vpn::ike
