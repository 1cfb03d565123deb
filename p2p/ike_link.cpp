#include "p2p/ike_link.hpp"

#include <cstring>
#include <type_traits>

#include "common/log/log.hpp"
#include "common/openvpn/mss_clamp.hpp"
#include "ipsec/esp/udp_encap.hpp"
#include "ipsec/ike/ike_identity.hpp"
#include "p2p/esp_link.hpp"
#include "p2p/ike_endpoints.hpp"

namespace vpn::p2p {
namespace {

constexpr std::uint16_t kIkePort = 500;
constexpr std::uint16_t kNatTPort = 4500;
// The largest ESP overhead of any suite we run: SPI and sequence number, a 16-byte
// CBC IV, 15 bytes of padding, pad length and next header, a 32-byte ICV.
constexpr std::size_t kMaxEspOverhead = 8 + 16 + 15 + 2 + 32;
constexpr std::size_t kMaxHeadRoom = 8 + 16;
// How long an exit waits for the Deletes of our IKE SAs to be answered.
constexpr std::int64_t kExitGraceMs = 1500;

}  // namespace

IkeLink::IkeLink(IkeLinkConfig cfg, Now now)
    : cfg_(std::move(cfg)),
      gate_([this](const ike::Endpoints& ep) { return responder_config(ep); }, cfg_.gate, now.mono_ms),
      now_ms_(now.mono_ms) {
    if (!cfg_.local_address) cfg_.local_address = local_address_towards;
    if (cfg_.initiate_to) start_initiator(now.mono_ms);
}

ike::Endpoint IkeLink::local_endpoint(const ike::IpAddress& peer, std::uint16_t port) const {
    ike::Endpoint e;
    e.port = port;
    if (auto ip = cfg_.local_address(peer)) e.ip = *ip;
    else e.ip.len = peer.len;  // no route: the NAT-D hash will say "NAT", which is harmless
    return e;
}

std::optional<ike::IkeSaConfig> IkeLink::responder_config(const ike::Endpoints& ep) const {
    if (exit_deadline_ms_) return std::nullopt;
    ike::IkeSaConfig c = cfg_.sa;
    c.role = ike::IkeRole::Responder;
    if (cfg_.address_identity) {
        auto id = ike::address_identity(ep.local.ip.span());
        if (!id) return std::nullopt;
        c.local_id = id.take();
    }
    return c;
}

void IkeLink::start_initiator(std::int64_t now_ms) {
    ike::Endpoints ep;
    ep.remote = to_endpoint(*cfg_.initiate_to);
    ep.remote.port = kIkePort;
    ep.local = local_endpoint(ep.remote.ip, kIkePort);
    ike::IkeSaConfig c = cfg_.sa;
    c.role = ike::IkeRole::Initiator;
    if (cfg_.address_identity)
        if (auto id = ike::address_identity(ep.local.ip.span())) c.local_id = id.take();
    auto sa = std::make_unique<ike::IkeSa>(std::move(c), ep, now_ms);
    sa->start(now_ms);
    current_ = gate_.adopt(std::move(sa));
    log::info("IKE: initiating to {}", ep.remote.str());
    pump(now_ms);
}

std::size_t IkeLink::overhead() const { return kMaxEspOverhead; }

std::size_t IkeLink::payload_offset() const {
    // A gateway's peers may use different suites: the largest head room fits all
    // (sealing then moves the packet a few bytes for the others).
    if (cfg_.gateway || !current_) return kMaxHeadRoom;
    auto it = peers_.find(*current_);
    return it != peers_.end() && it->second.out ? it->second.out->head_room() : kMaxHeadRoom;
}

IkeLink::Peer* IkeLink::sending_peer(Bytes inner) {
    if (!cfg_.gateway) {
        if (!current_) return nullptr;
        auto it = peers_.find(*current_);
        return it == peers_.end() ? nullptr : &it->second;
    }
    if (inner.size() < 20 || (inner[0] >> 4) != 4) return nullptr;
    auto v = by_vip_.find(load_be32(inner.data() + 16));
    return v == by_vip_.end() ? nullptr : v->second;
}

std::size_t IkeLink::encapsulate(MutBytes buf, std::size_t off, std::size_t len, MutBytes out, MutBytes scratch,
                                 Now now) {
    (void)scratch;
    MutBytes inner = buf.subspan(off, len);
    Peer* p = sending_peer(inner);
    if (!p) {
        stats_.count(cfg_.gateway ? LinkDrop::NoPeer : LinkDrop::NoKey);
        return 0;
    }
    if (!p->out) {
        stats_.count(LinkDrop::NoKey);
        return 0;
    }
    if (cfg_.mss) ovpn::clamp_mss(inner, cfg_.mss);
    auto sealed = p->out->seal(inner, out);
    if (sealed.status == esp::OutboundSa::Status::Ok) {
        last_esp_sent_ms_ = now.mono_ms;
        dest_ = p->esp_to;
        return sealed.len;
    }
    // Sequence space at its end: IKE rekeys long before (lifetimes), so this is a
    // child the peer refused to rekey; nothing can be sent on it.
    stats_.count(sealed.status == esp::OutboundSa::Status::BadInner ? LinkDrop::BadPayload : LinkDrop::NoKey);
    return 0;
}

LinkSession::Inbound IkeLink::decapsulate(Bytes datagram, MutBytes out, MutBytes scratch, Now now) {
    // Without an origin there is no telling IKE on 500 from ESP: treat it as ESP.
    net::SockAddr none;
    return decapsulate_from(datagram, Origin{none, 0}, out, scratch, now);
}

LinkSession::Inbound IkeLink::decapsulate_from(Bytes datagram, const Origin& origin, MutBytes out,
                                               MutBytes scratch, Now now) {
    (void)scratch;
    now_ms_ = now.mono_ms;
    Bytes esp_packet = datagram;
    if (origin.local_port == kIkePort) {
        on_ike(datagram, origin.from, kIkePort, now.mono_ms);
        return {Kind::Consumed, {}, false};
    }
    if (origin.local_port == kNatTPort) {
        auto c = esp::classify_udp4500(datagram);
        switch (c.kind) {
            case esp::Udp4500Kind::Keepalive: return {Kind::Consumed, {}, false};
            case esp::Udp4500Kind::Ike:
                on_ike(c.body, origin.from, kNatTPort, now.mono_ms);
                return {Kind::Consumed, {}, false};
            case esp::Udp4500Kind::Malformed:
                stats_.count(report_as(esp::Drop::Malformed));
                return {Kind::Dropped, {}};
            case esp::Udp4500Kind::Esp: esp_packet = c.body; break;
        }
    }
    if (esp_packet.size() > out.size()) {
        stats_.count(ovpn::Drop::Oversize);
        return {Kind::Dropped, {}};
    }
    std::memcpy(out.data(), esp_packet.data(), esp_packet.size());
    auto opened = in_.open(out.first(esp_packet.size()));
    if (!opened.ok) {
        stats_.count(report_as(opened.reason));
        return {Kind::Dropped, {}};
    }
    auto owner = by_spi_.find(load_be32(esp_packet.data()));
    Peer* p = owner == by_spi_.end() ? nullptr : owner->second;
    if (p) p->esp_seen = true;  // told to its IkeSa at the next tick, not per packet
    if (cfg_.gateway) {
        // A peer sends from the address it was given, nothing else (its TSi).
        Bytes inner = opened.inner;
        if (!p || !p->vip || inner.size() < 20 || (inner[0] >> 4) != 4 ||
            load_be32(inner.data() + 12) != p->vip->host_v4()) {
            stats_.count(LinkDrop::WrongSource);
            return {Kind::Dropped, {}};
        }
        // An authentic packet from a new place: the peer's NAT rebound.
        if (origin.from.len && !origin.from.same_endpoint(p->esp_to)) {
            ike::Endpoint e = to_endpoint(origin.from);
            p->esp_to = to_sockaddr(e);
        }
    }
    if (cfg_.mss)
        ovpn::clamp_mss(MutBytes(const_cast<std::uint8_t*>(opened.inner.data()), opened.inner.size()), cfg_.mss);
    // One peer: an authentic ESP packet proves where it is now (a NAT may have rebound).
    return {Kind::ToTun, opened.inner, !cfg_.gateway};
}

void IkeLink::on_ike(Bytes message, const net::SockAddr& from, std::uint16_t local_port, std::int64_t now_ms) {
    ike::Endpoints ep;
    ep.remote = to_endpoint(from);
    ep.local = local_endpoint(ep.remote.ip, local_port);
    gate_.on_datagram(message, ep, now_ms);
    pump(now_ms);
}

void IkeLink::pump(std::int64_t now_ms) {
    for (auto& ev : gate_.take_events()) on_event(ev.sa, ev.event, now_ms);
    for (auto& d : gate_.take_datagrams()) {
        std::vector<std::uint8_t> bytes;
        if (d.natt) bytes.assign(esp::kNonEspMarkerLen, 0);
        bytes.insert(bytes.end(), d.bytes.begin(), d.bytes.end());
        ike_out_.emplace_back(std::move(bytes), to_sockaddr(d.to));
    }
}

void IkeLink::set_esp_to(SaId id, Peer& p, const ike::Endpoint& remote, bool udp) {
    ike::Endpoint e = remote;
    if (!udp) e.port = 0;
    p.esp_to = to_sockaddr(e);
    p.udp = udp;
    if (!cfg_.gateway && current_ == id && cfg_.esp_path) cfg_.esp_path(p.esp_to, udp);
}

void IkeLink::child_up(SaId id, ike::ChildSaUp& up, std::int64_t now_ms) {
    Peer& p = peers_[id];
    esp::SaParams in;
    in.spi = up.inbound_spi;
    in.keys = std::move(up.in);
    in.replay_window = cfg_.replay_window;
    esp::SaParams out;
    out.spi = up.outbound_spi;
    out.keys = std::move(up.out);
    try {
        in_.install(std::make_unique<esp::InboundSa>(in));
        p.out = std::make_unique<esp::OutboundSa>(out);
    } catch (const std::exception& e) {
        log::warn("IKE: cannot install child SA {:08x}/{:08x}: {}", up.inbound_spi, up.outbound_spi, e.what());
        return;
    }
    by_spi_[up.inbound_spi] = &p;
    p.inbound_spis.push_back(up.inbound_spi);
    last_esp_sent_ms_ = now_ms;
    if (auto* sa = gate_.find(id)) set_esp_to(id, p, sa->endpoints().remote, up.udp_encap);
    log::info("ESP SA {}: inbound SPI 0x{:08x}, outbound SPI 0x{:08x}, {}-{}{}, {}",
              up.replaces_inbound_spi ? "rekeyed" : "up", up.inbound_spi, up.outbound_spi,
              esp::encr_name(up.suite.encr), up.suite.encr_bits,
              up.suite.integ == esp::Integ::None ? "" : std::string("/") + esp::integ_name(up.suite.integ),
              up.udp_encap ? "in UDP 4500" : "IP protocol 50");
}

void IkeLink::child_down(SaId id, const ike::ChildSaDown& down) {
    in_.remove(down.inbound_spi);
    by_spi_.erase(down.inbound_spi);
    if (auto it = peers_.find(id); it != peers_.end()) {
        auto& spis = it->second.inbound_spis;
        std::erase(spis, down.inbound_spi);
        if (it->second.out && it->second.out->spi() == down.outbound_spi) it->second.out.reset();
    }
    log::info("ESP SA down: inbound SPI 0x{:08x}, outbound SPI 0x{:08x} ({})", down.inbound_spi, down.outbound_spi,
              down.reason);
}

void IkeLink::forget(SaId id) {
    auto it = peers_.find(id);
    if (it == peers_.end()) return;
    for (auto spi : it->second.inbound_spis) {
        in_.remove(spi);
        by_spi_.erase(spi);
    }
    if (it->second.vip) {
        auto v = by_vip_.find(it->second.vip->host_v4());
        if (v != by_vip_.end() && v->second == &it->second) by_vip_.erase(v);
    }
    peers_.erase(it);
}

void IkeLink::forget_all() {
    peers_.clear();
    by_spi_.clear();
    by_vip_.clear();
    in_ = esp::SpiTable();
}

void IkeLink::on_event(SaId id, ike::IkeEvent& ev, std::int64_t now_ms) {
    std::visit(
        [&](auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, ike::IkeUp>) {
                Peer& p = peers_[id];
                p.up = true;
                p.vip = e.virtual_ip;
                p.dns = e.dns;
                if (cfg_.gateway) {
                    if (p.vip && p.vip->len == 4) by_vip_[p.vip->host_v4()] = &p;
                } else {
                    if (current_ && *current_ != id)
                        if (auto* old = gate_.find(*current_)) {
                            log::info("IKE: the peer started over; closing the previous IKE SA");
                            old->close(now_ms);
                            kick_ = true;  // its Delete goes at the next wake, which is now
                        }
                    current_ = id;
                }
                retry_wait_ms_ = 0;
                log::info("IKE SA established with {}{}", e.peer.str(),
                          e.virtual_ip ? " (virtual IP " + e.virtual_ip->str() + ")" : std::string());
                log::info("Peer Connection Initiated with {}", e.peer.str());
            } else if constexpr (std::is_same_v<E, ike::ChildSaUp>) {
                if (!cfg_.gateway && !current_) current_ = id;
                bool first = !e.replaces_inbound_spi;
                auto remote_ts = e.remote_ts;
                child_up(id, e, now_ms);
                const Peer& p = peers_[id];
                if (first && p.vip && cfg_.sa.virtual_ip == ike::VirtualIp::Client && cfg_.on_client_address)
                    cfg_.on_client_address(*p.vip, remote_ts, p.dns);
            } else if constexpr (std::is_same_v<E, ike::ChildSaDown>) {
                child_down(id, e);
            } else if constexpr (std::is_same_v<E, ike::ChildSaFailed>) {
                log::warn("IKE: no child SA: {}", e.reason);
            } else if constexpr (std::is_same_v<E, ike::IkeDown>) {
                log::info("IKE SA down: {}", e.reason);
                if (e.authentication) ++stats_.ike_auth_failures;
                forget(id);
                if (current_ && *current_ == id) {
                    current_.reset();
                    if (cfg_.initiate_to && !exit_deadline_ms_) {
                        // Start over, paced: a peer that refuses us must not be flooded.
                        retry_wait_ms_ = retry_wait_ms_ ? std::min(retry_wait_ms_ * 2, cfg_.retry_max_ms) : cfg_.retry_ms;
                        retry_at_ms_ = now_ms + retry_wait_ms_;
                        log::info("IKE: trying again in {} s", retry_wait_ms_ / 1000.0);
                    }
                }
            } else if constexpr (std::is_same_v<E, ike::NatChanged>) {
                log::info("IKE: NAT detected, moving to UDP 4500 (peer {})", e.peer.str());
                Peer& p = peers_[id];
                if (p.out) set_esp_to(id, p, e.peer, true);
            } else if constexpr (std::is_same_v<E, ike::PeerMoved>) {
                log::info("IKE: peer moved to {}", e.peer.str());
                Peer& p = peers_[id];
                if (p.out) set_esp_to(id, p, e.peer, p.udp);
            } else if constexpr (std::is_same_v<E, ike::IkeRekeyed>) {
                log::info("IKE SA rekeyed");
            }
        },
        ev);
}

std::size_t IkeLink::next_foreign(MutBytes out, net::SockAddr& to) {
    while (!ike_out_.empty()) {
        auto [bytes, dest] = std::move(ike_out_.front());
        ike_out_.pop_front();
        if (bytes.size() > out.size()) {
            log::warn("IKE: a {}-byte message does not fit the send buffer; dropped", bytes.size());
            continue;
        }
        std::memcpy(out.data(), bytes.data(), bytes.size());
        to = dest;
        return bytes.size();
    }
    return 0;
}

std::size_t IkeLink::next_datagram(MutBytes out, MutBytes scratch, Now now) {
    (void)scratch;
    if (!keepalive_due_ || out.empty()) return 0;
    keepalive_due_ = false;
    last_esp_sent_ms_ = now.mono_ms;
    out[0] = esp::kNatKeepalive[0];
    return esp::kNatKeepalive.size();
}

void IkeLink::refresh_ike_counters() {
    // The SAs alive now (a closed SA's own counters go with it); the gate's are lifelong.
    std::uint64_t drops = 0, rtx = 0;
    for (const auto& [id, p] : peers_)
        if (const auto* sa = gate_.find(id)) {
            drops += sa->stats().total_drops();
            rtx += sa->stats().retransmits;
        }
    const auto& g = gate_.stats();
    stats_.ike_drops = drops + g.malformed + g.unknown_spi + g.bad_cookies;
    stats_.ike_retransmits = rtx;
}

Verdict IkeLink::on_timer(Now now) {
    now_ms_ = now.mono_ms;
    kick_ = false;
    // Inbound ESP keeps a peer alive for DPD: told once a tick, not once a packet.
    for (auto& [id, p] : peers_)
        if (std::exchange(p.esp_seen, false))
            if (auto* sa = gate_.find(id)) sa->note_inbound_esp(now.mono_ms);
    gate_.on_timer(now.mono_ms);
    pump(now.mono_ms);
    refresh_ike_counters();
    // RFC 3948 §2.3: a peer behind a NAT keeps the mapping open while idle.  A
    // gateway leaves that to its clients (the NAT is on their side).
    if (!cfg_.gateway && current_) {
        auto it = peers_.find(*current_);
        if (it != peers_.end() && it->second.out && it->second.udp && cfg_.nat_keepalive > 0 &&
            now.mono_ms - last_esp_sent_ms_ >= cfg_.nat_keepalive * 1000)
            keepalive_due_ = true;
    }
    if (exit_deadline_ms_) {
        if (gate_.size() == 0 || now.mono_ms >= *exit_deadline_ms_) return Verdict::Exit;
        return Verdict::None;
    }
    if (retry_at_ms_ && now.mono_ms >= *retry_at_ms_) {
        retry_at_ms_.reset();
        start_initiator(now.mono_ms);
    }
    return Verdict::None;
}

std::optional<std::int64_t> IkeLink::next_wake_ms() const {
    auto w = gate_.next_wake(now_ms_);
    auto sooner = [&](std::int64_t t) { w = w ? std::min(*w, t) : t; };
    if (exit_deadline_ms_) sooner(gate_.size() == 0 ? now_ms_ : *exit_deadline_ms_);  // Deletes answered: go
    if (retry_at_ms_) sooner(*retry_at_ms_);
    if (kick_) sooner(now_ms_);
    return w;
}

Verdict IkeLink::begin_exit(Now now, bool can_notify) {
    (void)can_notify;
    reason_ = "exit";
    bool any = false;
    for (const auto& [id, p] : peers_)
        if (auto* sa = gate_.find(id); sa && !sa->closed()) {
            sa->close(now.mono_ms);  // Delete the IKE SA: the peer drops its SAs at once
            any = true;
        }
    if (!any) return Verdict::Exit;
    exit_deadline_ms_ = now.mono_ms + kExitGraceMs;
    gate_.on_timer(now.mono_ms);  // close() queues the Delete: send it now, not at the next tick
    pump(now.mono_ms);
    return Verdict::None;
}

void IkeLink::restart(Now now) {
    for (const auto& [id, p] : peers_)
        if (auto* sa = gate_.find(id)) sa->close(now.mono_ms);
    gate_.on_timer(now.mono_ms);
    forget_all();
    current_.reset();
    retry_at_ms_.reset();
    pump(now.mono_ms);
    if (cfg_.initiate_to) start_initiator(now.mono_ms);
}

}  // namespace vpn::p2p
