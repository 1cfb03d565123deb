#include "server/multi_server.hpp"

#include <algorithm>
#include <cstring>


#include "common/log/log.hpp"
#include "common/openvpn/control/opcode.hpp"
#include "server/multi_server_client.hpp"

namespace vpn::server {
namespace {

using ovpn::control::Opcode;
using ovpn::control::PacketKind;
using ovpn::session::TlsSession;

ovpn::control::Header header_of(Bytes d) {
    return d.empty() ? ovpn::control::Header{PacketKind::Invalid, Opcode{}, 0} : ovpn::control::classify(d[0]);
}

// HARD_RESET_CLIENT_V2 with key_id 0: a client starting a session.
bool is_client_reset(Bytes d) {
    const auto h = header_of(d);
    return h.kind == PacketKind::Control && h.op == Opcode::HardResetClientV2 && h.key_id == 0;
}

bool is_data_v2(Bytes d) {
    const auto h = header_of(d);
    return h.kind == PacketKind::Data && h.op == Opcode::DataV2 && d.size() >= 4;
}

tun::Ipv4 ipv4_at(Bytes p, std::size_t off) {
    std::uint32_t be;
    std::memcpy(&be, p.data() + off, 4);
    return tun::Ipv4{be};
}

// Room for one packet, its compression header, LZO's worst case and the crypto overhead.
std::size_t buffer_size(int tun_mtu) {
    const std::size_t payload = static_cast<std::size_t>(tun_mtu) + 32;
    return std::max<std::size_t>(2048, payload + payload / 16 + 64 + 3 + p2p::TlsCodec::kMaxOverhead + 64);
}

}  // namespace

std::size_t MultiServer::AddrHash::operator()(const AddrKey& k) const {
    // FNV-1a: the keys are short and fixed-size.
    std::uint64_t h = 1469598103934665603ull;
    for (auto b : k.b) h = (h ^ b) * 1099511628211ull;
    return static_cast<std::size_t>(h);
}

MultiServer::AddrKey MultiServer::key_of(const net::SockAddr& a) {
    AddrKey k;
    k.b[0] = static_cast<std::uint8_t>(a.family());
    const std::uint16_t port = a.port();
    k.b[1] = static_cast<std::uint8_t>(port >> 8);
    k.b[2] = static_cast<std::uint8_t>(port);
    if (a.family() == AF_INET) {
        std::memcpy(k.b.data() + 3, &reinterpret_cast<const sockaddr_in*>(a.sa())->sin_addr, 4);
    } else if (a.family() == AF_INET6) {
        std::memcpy(k.b.data() + 3, &reinterpret_cast<const sockaddr_in6*>(a.sa())->sin6_addr, 16);
    }
    return k;
}

MultiServer::MultiServer(const config::Options& o, p2p::TlsLinkConfig link, ServerHooks hooks, bool datagram)
    : o_(o),
      link_cfg_(std::move(link)),
      hooks_(std::move(hooks)),
      datagram_(datagram),
      tap_(o.device_type() == config::DevType::Tap),
      routes_(static_cast<std::size_t>(o.server.max_clients) * 2 + 256,
              o.ifconfig_local ? tun::parse_ipv4(*o.ifconfig_local).value_or(tun::Ipv4{0}) : tun::Ipv4{0},
              static_cast<std::size_t>(o.server.max_routes_per_client)),
      macs_(tap_ ? static_cast<std::size_t>(o.server.max_clients) * 4 + 64 : 1,
            static_cast<std::size_t>(o.server.max_routes_per_client)),
      scratch_(buffer_size(o.tun_mtu)),
      open_(buffer_size(o.tun_mtu)),
      fwd_(buffer_size(o.tun_mtu)) {
    link_cfg_.multi = true;
    link_cfg_.server = true;
    if (o.ifconfig_local) server_address_ = tun::parse_ipv4(*o.ifconfig_local).value_or(tun::Ipv4{0});
    if (datagram_) gate_.emplace(link_cfg_.session.wrap, link_cfg_.session.hand_window_s);
    if (o.server.pool_defined) {
        PoolConfig pc;
        const bool net30 =
            !tap_ && o.topology.value_or(config::Topology::Net30) == config::Topology::Net30;
        pc.kind = net30 ? PoolKind::Net30 : PoolKind::Individual;
        pc.start = o.server.pool_start;
        pc.end = o.server.pool_end;
        pc.duplicate_cn = o.server.duplicate_cn;
        pc.server_address = server_address_.host();
        pc.persist_fixed = o.server.pool_persist_file && o.server.pool_persist_seconds == 0;
        pool_.emplace(pc);
    }
    const auto n = static_cast<std::size_t>(std::max(1, o.server.max_clients));
    slots_.resize(n);
    free_.reserve(n);
    for (std::size_t i = n; i-- > 0;) free_.push_back(static_cast<std::uint32_t>(i));
}

MultiServer::~MultiServer() = default;

// --- link side -------------------------------------------------------------------

MultiServer::Client* MultiServer::client_for(const net::SockAddr& from) {
    auto it = by_addr_.find(key_of(from));
    return it == by_addr_.end() ? nullptr : slots_[it->second].get();
}

void MultiServer::on_link(Bytes datagram, const net::SockAddr& from, p2p::Now now, ServerSink& sink) {
    counters_.link_bytes_in += datagram.size();
    if (Client* c = client_for(from)) {
        if (datagram_ && is_reset_for_new_session(*c, datagram)) {
            // The client started over from the same address: the gate answers, and the
            // client is replaced only once it proves the cookie.
            from_stranger(datagram, from, now, sink);
            return;
        }
        deliver(*c, datagram, now, sink);
        return;
    }
    if (datagram_ && is_data_v2(datagram)) {
        // A known peer-id from a new address: the client's address changed (NAT
        // rebinding, 2.6 float); it moves once the packet authenticates.
        const std::uint32_t id = (std::uint32_t{datagram[1]} << 16) | (std::uint32_t{datagram[2]} << 8) | datagram[3];
        Client* c = id < slots_.size() ? slots_[id].get() : nullptr;
        if (!c || !c->established) {
            ++counters_.unknown_source;
            return;
        }
        const net::SockAddr old = c->addr;
        if (deliver(*c, datagram, now, sink) && slots_[id].get() == c) {
            log::info("{} peer float to {}", client_label(*c), from.str());
            by_addr_.erase(key_of(old));
            c->addr = from;
            c->info.real = from;
            by_addr_[key_of(from)] = id;
        }
        return;
    }
    from_stranger(datagram, from, now, sink);
}

bool MultiServer::is_reset_for_new_session(const Client& c, Bytes datagram) const {
    // Every wrapped control packet carries the sender's session id in clear after the
    // opcode byte (tls-auth and tls-crypt alike): 1 + 8 bytes.
    if (!is_client_reset(datagram) || datagram.size() <= 9) return false;
    const TlsSession* s = c.link->session();
    auto known = s ? s->remote_session_id() : std::nullopt;
    return known && !std::equal(known->begin(), known->end(), datagram.begin() + 1);
}

bool MultiServer::gate_allows_reply(p2p::Now now) {
    const int n = o_.server.connect_freq_initial_n, s = o_.server.connect_freq_initial_s;
    if (n <= 0 || s <= 0) return true;  // no limit
    if (now.mono - freq_window_start_ >= s) {
        freq_window_start_ = now.mono;
        freq_count_ = 0;
    }
    return freq_count_++ < n;
}

void MultiServer::from_stranger(Bytes datagram, const net::SockAddr& from, p2p::Now now, ServerSink& sink) {
    if (!datagram_) {
        // TCP: the connection proved the address; its first packet must be a reset.
        if (!is_client_reset(datagram)) {
            ++counters_.unknown_source;
            closed_.push_back(from);
            return;
        }
        auto s = std::make_unique<TlsSession>(link_cfg_.ctx, link_cfg_.session);
        s->start(now.mono_ms);
        Client* c = add_client(std::move(s), from, now);
        if (!c) {
            closed_.push_back(from);
            return;
        }
        deliver(*c, datagram, now, sink);
        return;
    }
    const Bytes peer(reinterpret_cast<const std::uint8_t*>(&from.storage), from.len);
    auto r = gate_->on_packet(datagram, peer, now.wall);
    switch (r.kind) {
        case ovpn::session::StatelessGate::Result::Kind::Drop:
            ++counters_.unknown_source;
            return;
        case ovpn::session::StatelessGate::Result::Kind::Reply: {
            if (!gate_allows_reply(now)) {
                ++counters_.rate_limited;
                return;
            }
            MutBytes out = sink.link_slot();
            if (r.reply.size() > out.size()) return;
            std::copy(r.reply.begin(), r.reply.end(), out.begin());
            sink.link_commit(r.reply.size(), from);
            counters_.link_bytes_out += r.reply.size();
            ++counters_.gate_replies;
            return;
        }
        case ovpn::session::StatelessGate::Result::Kind::Accept:
            break;
    }
    if (Client* old = client_for(from)) end_client(*old, "client restarted from the same address");
    auto s = TlsSession::from_cookie(link_cfg_.ctx, link_cfg_.session, r.server_sid, r.client_sid, now.mono_ms);
    Client* c = add_client(std::move(s), from, now);
    if (c) deliver(*c, datagram, now, sink);
}

MultiServer::Client* MultiServer::add_client(std::unique_ptr<TlsSession> session, const net::SockAddr& from,
                                             p2p::Now now) {
    if (free_.empty()) {
        if (counters_.max_clients++ % 100 == 0)
            log::warn("MULTI: new incoming connection would exceed maximum number of clients ({})",
                      o_.server.max_clients);
        return nullptr;
    }
    const std::uint32_t slot = free_.back();
    free_.pop_back();
    auto c = std::make_unique<Client>();
    Client* cp = c.get();
    c->slot = slot;
    c->gen = next_gen_++;
    c->addr = from;
    c->info.real = from;
    c->info.dev = dev_name_;
    c->info.tun_mtu = o_.tun_mtu;
    p2p::TlsLinkConfig cfg = link_cfg_;
    cfg.peer_id = slot;
    p2p::TlsLinkHooks h;
    h.authorize = [this, cp](const TlsSession& s) { return authorize(*cp, s); };
    h.on_up = [this, cp](const TlsSession&) { on_up(*cp); };
    h.push_for = [this, cp](const TlsSession& s, std::uint32_t peer_id) { return push_for(*cp, s, peer_id); };
    c->link = std::make_unique<p2p::TlsLink>(std::move(cfg), std::move(h), std::move(session), now);
    by_addr_[key_of(from)] = slot;
    slots_[slot] = std::move(c);
    ++n_clients_;
    log::verbose("{} new session (peer-id {})", from.str(), slot);
    return cp;
}

bool MultiServer::deliver(Client& c, Bytes datagram, p2p::Now now, ServerSink& sink) {
    auto& st = c.link->stats();
    st.link_read_bytes += datagram.size();
    ++st.link_read_packets;
    auto in = c.link->decapsulate(datagram, open_, scratch_, now);
    if (in.kind == p2p::LinkSession::Kind::Dropped) {
        // A control packet the session does not know may prove a restarted client's
        // cookie (its reset went to the gate).  Nothing of `c` is used after this.
        if (datagram_ && header_of(datagram).kind == PacketKind::Control) {
            const net::SockAddr from = c.addr;  // `c` may end in there
            from_stranger(datagram, from, now, sink);
        }
        return false;
    }
    if (in.kind == p2p::LinkSession::Kind::ToTun) from_client(c, in.packet, now, sink);
    flush(c, now, sink);
    note_wake(c);
    return true;
}

void MultiServer::from_client(Client& c, Bytes packet, p2p::Now now, ServerSink& sink) {
    if (tap_) {
        frame_from_client(c, packet, now, sink);
        return;
    }
    if (packet.size() < 20 || (packet[0] >> 4) != 4) {
        ++counters_.not_ipv4;
        return;
    }
    if (!routes_.source_allowed(c.slot, ipv4_at(packet, 12))) {
        // mroute.c: "MULTI: bad source address from client": a client sends only from
        // its own address and its iroutes.
        if (counters_.spoofed_source++ % 1000 == 0 && log::enabled(log::Level::Verbose))
            log::verbose("{} MULTI: bad source address from client [{}], packet dropped", client_label(c),
                         tun::format_ipv4(ipv4_at(packet, 12)));
        c.link->stats().count(p2p::LinkDrop::WrongSource);
        return;
    }
    if (o_.server.client_to_client) {
        const ClientId d = routes_.lookup(ipv4_at(packet, 16));
        if (d != kNoClient && d != c.slot && slots_[d] && slots_[d]->established) {
            send_to(*slots_[d], packet, now, sink);
            return;
        }
    }
    auto& st = c.link->stats();
    st.tun_write_bytes += packet.size();
    ++st.tun_write_packets;
    sink.to_tun(packet);
}

void MultiServer::frame_from_client(Client& c, Bytes frame, p2p::Now now, ServerSink& sink) {
    auto eth = parse_ethernet(frame);
    if (!eth || !learn_mac(c, eth->source, now.mono)) {
        ++counters_.spoofed_source;
        c.link->stats().count(p2p::LinkDrop::WrongSource);
        return;
    }
    if (is_group(eth->dest)) {
        if (o_.server.client_to_client)
            for (auto& other : slots_)
                if (other && other.get() != &c && other->established) send_to(*other, frame, now, sink);
        sink.to_tun(frame);
        return;
    }
    if (o_.server.client_to_client) {
        const ClientId d = macs_.lookup(eth->dest, now.mono);
        if (d != kNoClient && d != c.slot && slots_[d] && slots_[d]->established) {
            send_to(*slots_[d], frame, now, sink);
            return;
        }
    }
    sink.to_tun(frame);
}

// A packet that lies in a buffer the session may not write into: copied to where
// it can be framed and sealed.
void MultiServer::send_to(Client& c, Bytes packet, p2p::Now now, ServerSink& sink) {
    constexpr std::size_t kAt = 64;
    if (packet.size() + kAt > fwd_.size()) return;
    std::copy(packet.begin(), packet.end(), fwd_.begin() + kAt);
    seal_to(c, fwd_, kAt, packet.size(), now, sink);
}

void MultiServer::seal_to(Client& c, MutBytes buf, std::size_t off, std::size_t len, p2p::Now now,
                          ServerSink& sink) {
    auto& st = c.link->stats();
    st.tun_read_bytes += len;
    ++st.tun_read_packets;
    MutBytes out = sink.link_slot();
    const std::size_t n = c.link->encapsulate(buf, off, len, out, scratch_, now);
    if (n == 0) {
        st.count(p2p::LinkDrop::NoKey);
        return;
    }
    sink.link_commit(n, c.addr);
    st.link_write_bytes += n;
    ++st.link_write_packets;
    counters_.link_bytes_out += n;
}

void MultiServer::flush(Client& c, p2p::Now now, ServerSink& sink) {
    auto& st = c.link->stats();
    // Bounded by the session (a TLS send window, a few control payloads).
    for (int i = 0; i < 64; ++i) {
        MutBytes out = sink.link_slot();
        const std::size_t n = c.link->next_datagram(out, scratch_, now);
        if (n == 0) break;
        sink.link_commit(n, c.addr);
        st.link_write_bytes += n;
        ++st.link_write_packets;
        counters_.link_bytes_out += n;
    }
}

void MultiServer::on_link_closed(const net::SockAddr& from, p2p::Now) {
    if (Client* c = client_for(from)) end_client(*c, "connection-reset");
}

std::vector<net::SockAddr> MultiServer::take_closed() {
    std::vector<net::SockAddr> out;
    out.swap(closed_);
    return out;
}

// --- device side -----------------------------------------------------------------

void MultiServer::on_tun(MutBytes buf, std::size_t off, std::size_t len, p2p::Now now, ServerSink& sink) {
    const Bytes packet(buf.data() + off, len);
    if (tap_) {
        auto eth = parse_ethernet(packet);
        if (!eth) {
            ++counters_.no_route;
            return;
        }
        if (is_group(eth->dest)) {
            for (auto& c : slots_)
                if (c && c->established) seal_to(*c, buf, off, len, now, sink);
            return;
        }
        const ClientId d = macs_.lookup(eth->dest, now.mono);
        if (d != kNoClient && slots_[d] && slots_[d]->established)
            seal_to(*slots_[d], buf, off, len, now, sink);
        else
            ++counters_.no_route;  // 2.6 does not flood unknown unicast to clients
        return;
    }
    if (len < 20 || (packet[0] >> 4) != 4) {
        ++counters_.not_ipv4;
        return;
    }
    const ClientId d = routes_.lookup(ipv4_at(packet, 16));
    if (d == kNoClient || !slots_[d] || !slots_[d]->established) {
        ++counters_.no_route;
        return;
    }
    seal_to(*slots_[d], buf, off, len, now, sink);
}

// --- timers ----------------------------------------------------------------------

void MultiServer::note_wake(Client& c) {
    auto w = c.end_reason ? std::optional<std::int64_t>(0) : c.link->next_wake_ms();
    if (!w || (c.wake && *c.wake <= *w)) return;
    c.wake = w;
    due_.push(Due{*w, c.slot, c.gen});
}

void MultiServer::service(Client& c, p2p::Now now, ServerSink& sink) {
    const p2p::Verdict v = c.link->on_timer(now);
    flush(c, now, sink);
    if (c.end_reason)
        end_client(c, *c.end_reason);
    else if (v != p2p::Verdict::None)
        end_client(c, c.link->verdict_reason().empty() ? "ping-restart" : c.link->verdict_reason());
    else
        note_wake(c);
}

void MultiServer::tick(p2p::Now now, ServerSink& sink) {
    last_now_ = now;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (!slots_[i]) continue;
        slots_[i]->wake.reset();
        service(*slots_[i], now, sink);
    }
    if (tap_)
        for (const auto& e : macs_.expire(now.mono))
            if (hooks_.learn_address) hooks_.learn_address("delete", format_mac(e.mac), nullptr);
}

void MultiServer::wake(p2p::Now now, ServerSink& sink) {
    last_now_ = now;
    // Bounded: every entry is popped once; service() pushes only future times or,
    // for a client that is ending, removes it.
    for (std::size_t n = due_.size(); n > 0 && !due_.empty() && due_.top().ms <= now.mono_ms; --n) {
        const Due d = due_.top();
        due_.pop();
        Client* c = slots_[d.slot].get();
        if (!c || c->gen != d.gen || !c->wake || *c->wake != d.ms) continue;  // stale
        c->wake.reset();
        service(*c, now, sink);
    }
}

std::optional<std::int64_t> MultiServer::next_wake_ms() const {
    if (due_.empty()) return std::nullopt;
    return due_.top().ms;
}

void MultiServer::request_end(Client& c, const std::string& why, p2p::Now now) {
    c.end_reason = why;
    c.wake = now.mono_ms;
    due_.push(Due{now.mono_ms, c.slot, c.gen});
}

void MultiServer::shutdown(p2p::Now now, ServerSink& sink) {
    for (auto& c : slots_) {
        if (!c) continue;
        if (datagram_ && c->established) {
            c->link->send_restart(now);
            flush(*c, now, sink);
        }
    }
    for (auto& c : slots_)
        if (c) end_client(*c, "server exiting");
}

void MultiServer::end_client(Client& c, const std::string& why) {
    log::info("{} SIGUSR1[soft,{}] received, client-instance restarting", client_label(c), why);
    if (c.connect_ran && hooks_.client_disconnect) {
        c.info.now = std::time(nullptr);
        c.info.bytes_received = c.link->stats().link_read_bytes;
        c.info.bytes_sent = c.link->stats().link_write_bytes;
        hooks_.client_disconnect(c.info);
    }
    for (const auto& r : routes_.remove_client(c.slot))
        if (hooks_.learn_address) hooks_.learn_address("delete", format_route(r), nullptr);
    if (tap_)
        for (const auto& m : macs_.remove_client(c.slot))
            if (hooks_.learn_address) hooks_.learn_address("delete", format_mac(m), nullptr);
    if (c.lease && pool_) pool_->release(*c.lease);
    auto it = by_addr_.find(key_of(c.addr));
    if (it != by_addr_.end() && it->second == c.slot) by_addr_.erase(it);
    if (!datagram_) closed_.push_back(c.addr);
    ended_stats_ += c.link->stats();
    const std::uint32_t slot = c.slot;
    free_.push_back(slot);
    --n_clients_;
    ++counters_.clients_ended;
    slots_[slot].reset();  // `c` is gone
}


}  // namespace vpn::server
