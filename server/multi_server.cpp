#include "server/multi_server.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "common/log/log.hpp"
#include "common/openvpn/control/opcode.hpp"
#include "common/openvpn/ncp.hpp"
#include "common/openvpn/server_push.hpp"

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

std::string ip_text(std::uint32_t host) { return ipv4_text(host); }

void add_stats(p2p::TunnelStats& to, const p2p::TunnelStats& s) {
    to.tun_read_bytes += s.tun_read_bytes;
    to.tun_read_packets += s.tun_read_packets;
    to.tun_write_bytes += s.tun_write_bytes;
    to.tun_write_packets += s.tun_write_packets;
    to.link_read_bytes += s.link_read_bytes;
    to.link_read_packets += s.link_read_packets;
    to.link_write_bytes += s.link_write_bytes;
    to.link_write_packets += s.link_write_packets;
    to.pings_sent += s.pings_sent;
    to.pings_received += s.pings_received;
    for (std::size_t i = 0; i < to.codec_drops.size(); ++i) to.codec_drops[i] += s.codec_drops[i];
    for (std::size_t i = 0; i < to.link_drops.size(); ++i) to.link_drops[i] += s.link_drops[i];
}

// Room for one packet, its compression header, LZO's worst case and the crypto overhead.
std::size_t buffer_size(int tun_mtu) {
    const std::size_t payload = static_cast<std::size_t>(tun_mtu) + 32;
    return std::max<std::size_t>(2048, payload + payload / 16 + 64 + 3 + p2p::TlsCodec::kMaxOverhead + 64);
}

}  // namespace

struct MultiServer::Client {
    std::uint32_t slot = 0;
    std::uint64_t gen = 0;
    net::SockAddr addr;
    std::unique_ptr<p2p::TlsLink> link;
    ClientScriptInfo info;
    std::optional<Lease> lease;
    tun::Ipv4 vaddr{0};
    std::optional<std::pair<std::string, std::string>> ifconfig;
    std::vector<std::string> push;
    std::vector<Route> routes;
    bool admitted = false;     // authorize() let it in
    bool established = false;  // data keys up
    bool connect_ran = false;  // a client-connect script accepted it: client-disconnect runs
    std::optional<std::int64_t> wake;
    std::optional<std::string> end_reason;  // ending requested (kill, duplicate-cn)
};

ServerHooks server_hooks(const config::Options& o) {
    ServerHooks h;
    const auto& s = o.server;
    if (s.client_config_dir) {
        h.load_ccd = [dir = *s.client_config_dir, excl = s.ccd_exclusive](std::string_view cn) {
            return load_client_config(dir, cn, excl);
        };
    }
    auto settings = std::make_shared<ScriptSettings>(ScriptSettings::from_options(o));
    if (s.auth_user_pass_verify)
        h.verify_user_pass = [settings](const ClientScriptInfo& i, std::string_view pw) {
            return verify_user_pass(*settings, i, pw);
        };
    if (s.client_connect)
        h.client_connect = [settings](const ClientScriptInfo& i) { return client_connect(*settings, i); };
    if (s.client_disconnect)
        h.client_disconnect = [settings](const ClientScriptInfo& i) { client_disconnect(*settings, i); };
    if (s.learn_address)
        h.learn_address = [settings](std::string_view op, const std::string& a, const ClientScriptInfo* i) {
            return learn_address(*settings, op, a, i);
        };
    return h;
}

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
    add_stats(ended_stats_, c.link->stats());
    const std::uint32_t slot = c.slot;
    free_.push_back(slot);
    --n_clients_;
    ++counters_.clients_ended;
    slots_[slot].reset();  // `c` is gone
}

// --- a client's admission ----------------------------------------------------------

std::string MultiServer::client_label(const Client& c) const {
    const std::string& cn = c.info.common_name;
    return fmt::format("{}/{}", cn.empty() ? "UNDEF" : cn, format_real_address(c.addr));
}

// ssl_verify.c (user/pass), multi.c: multi_connection_established: the client-config-dir
// file, the client-connect script, the virtual address, the routes -- in 2.6's order.
std::string MultiServer::authorize(Client& c, const TlsSession& s) {
    const auto& so = o_.server;
    c.info.common_name = s.peer_common_name();
    c.info.username = s.peer_username();
    c.info.peer_info = s.peer_info();
    if (hooks_.verify_user_pass) {
        const auto& pw = s.peer_password();
        std::string_view password(reinterpret_cast<const char*>(pw.data()), pw.size());
        if (c.info.username.empty() || !hooks_.verify_user_pass(c.info, password))
            return fmt::format("{}: TLS Auth Error: Auth Username/Password verification failed for peer",
                               client_label(c));
    }
    if (so.username_as_common_name && !c.info.username.empty()) c.info.common_name = c.info.username;
    const std::string& cn = c.info.common_name;

    ClientConfig cfg;
    if (hooks_.load_ccd) {
        auto r = hooks_.load_ccd(cn);
        for (const auto& w : r.config.warnings) log::warn("{}", w);
        if (r.status == CcdStatus::Refused) return fmt::format("{}: {}", client_label(c), r.reason);
        if (r.status == CcdStatus::Loaded) {
            if (r.config.disable) return fmt::format("{}: client is disabled in {}", client_label(c), r.path);
            cfg = std::move(r.config);
        }
    }
    if (!so.duplicate_cn && !cn.empty()) {
        for (auto& other : slots_) {
            if (!other || other.get() == &c || !other->admitted || other->info.common_name != cn) continue;
            log::info("MULTI: new connection by client '{}' will cause previous active sessions by this client to "
                      "be dropped.  Remember to use the --duplicate-cn option if you want multiple clients using "
                      "the same certificate or username to concurrently connect.",
                      cn);
            // Gone before the pool is asked, so the name gets its address back (2.6:
            // multi_delete_dup runs before multi_select_virtual_addr).
            end_client(*other, "duplicate-cn");
        }
    }
    if (!cfg.ifconfig_push && o_.ifconfig_push) {
        // ifconfig-push in the main config: every client's address (a one-client server).
        auto local = tun::parse_ipv4(o_.ifconfig_push->first);
        auto second = tun::parse_ipv4(o_.ifconfig_push->second);
        if (local && second) cfg.ifconfig_push = IfconfigPush{*local, *second, std::nullopt};
    }
    // multi_select_virtual_addr: a fixed address, else the pool (early, for the
    // client-connect script's environment).
    if (!cfg.ifconfig_push && pool_) {
        c.lease = pool_->acquire(cn);
        if (c.lease) {
            c.info.pool_remote_ip = c.lease->address;
            const bool net30 = c.lease->peer != 0;
            c.info.pool_is_netmask = !net30;
            c.info.pool_netmask_or_local = net30 ? c.lease->peer : pool_netmask();
        }
    }
    if (hooks_.client_connect) {
        auto r = hooks_.client_connect(c.info);
        for (const auto& w : r.config.warnings) log::warn("{}", w);
        if (!r.accepted || r.config.disable) {
            if (c.lease) pool_->release(*c.lease);
            c.lease.reset();
            return fmt::format("{}: client-connect refused the client", client_label(c));
        }
        c.connect_ran = r.ran;
        if (r.config.ifconfig_push) cfg.ifconfig_push = r.config.ifconfig_push;
        for (const auto& ir : r.config.iroutes) cfg.iroutes.push_back(ir);
        c.push = merge_push(merge_push(o_.push, cfg), r.config);
        cfg.block_ifconfig = cfg.block_ifconfig || r.config.block_ifconfig;
    } else {
        c.push = merge_push(o_.push, cfg);
    }
    if (cfg.ifconfig_push) {
        if (c.lease) pool_->release(*c.lease);
        c.lease.reset();
        const auto& ip = *cfg.ifconfig_push;
        c.vaddr = ip.local;
        c.ifconfig.emplace(tun::format_ipv4(ip.alias.value_or(ip.local)), tun::format_ipv4(ip.remote_netmask));
    } else if (c.lease) {
        c.vaddr = tun::Ipv4::from_host(c.lease->address);
        c.ifconfig.emplace(ip_text(c.lease->address), ip_text(ifconfig_second(*c.lease)));
    } else if (pool_ || so.pool_defined) {
        log::warn("{} MULTI: no dynamic or static remote --ifconfig address is available", client_label(c));
    }
    if (so.push_ifconfig_blocked || cfg.block_ifconfig) c.ifconfig.reset();
    if (c.vaddr.be != 0 && !tap_) learn(c, Route{RouteKind::Address, c.vaddr, 32});
    for (const auto& ir : cfg.iroutes) learn(c, Route{RouteKind::Iroute, ir.network, ir.prefix_len});
    c.admitted = true;
    return {};
}

// pool.c / multi.c: the second word of the pushed ifconfig.
std::uint32_t MultiServer::ifconfig_second(const Lease& l) const {
    if (l.peer != 0) return l.peer;  // net30: the client's peer in its /30
    if (!tap_ && o_.topology.value_or(config::Topology::Net30) == config::Topology::P2p)
        return server_address_.host();
    return pool_netmask();
}

std::uint32_t MultiServer::pool_netmask() const {
    if (o_.server.pool_netmask) return o_.server.pool_netmask;
    if (o_.ifconfig_remote)
        if (auto m = tun::parse_ipv4(*o_.ifconfig_remote)) return m->host();
    return 0xffffff00u;
}

bool MultiServer::learn(Client& c, const Route& r) {
    const LearnResult p = routes_.preview(r, c.slot);
    switch (p.op) {
        case LearnOp::None:
            return true;
        case LearnOp::Add:
        case LearnOp::Update:
            break;
        default:
            log::warn("{} MULTI: cannot learn route {}", client_label(c), format_route(r));
            return false;
    }
    if (hooks_.learn_address &&
        !hooks_.learn_address(p.op == LearnOp::Add ? "add" : "update", format_route(r), &c.info))
        return false;
    const LearnResult done = routes_.learn(r, c.slot);
    if (done.previous != kNoClient && slots_[done.previous]) {
        auto& prev = slots_[done.previous]->routes;
        prev.erase(std::remove(prev.begin(), prev.end(), r), prev.end());
    }
    c.routes.push_back(r);
    log::verbose("MULTI: Learn: {} -> {}", format_route(r), client_label(c));
    return true;
}

bool MultiServer::learn_mac(Client& c, const Mac& mac, std::int64_t now) {
    if (!mac_learnable(mac)) return false;
    LearnResult p = macs_.preview(mac, c.slot, now);
    if (p.op == LearnOp::TableFull) {
        for (const auto& e : macs_.expire(now))
            if (hooks_.learn_address) hooks_.learn_address("delete", format_mac(e.mac), nullptr);
        p = macs_.preview(mac, c.slot, now);
    }
    if (p.op == LearnOp::None) {
        macs_.learn(mac, c.slot, now);  // refreshes its age
        return true;
    }
    if (p.op != LearnOp::Add && p.op != LearnOp::Update) return false;
    if (hooks_.learn_address && !hooks_.learn_address(p.op == LearnOp::Add ? "add" : "update", format_mac(mac), &c.info))
        return false;
    macs_.learn(mac, c.slot, now);
    return true;
}

void MultiServer::on_up(Client& c) {
    c.established = true;
    c.info.connected_since = std::time(nullptr);
    log::info("{} MULTI: peer-id {}, virtual address {}, {}", client_label(c), c.slot,
              c.vaddr.be ? tun::format_ipv4(c.vaddr) : std::string("none"), c.link->cipher());
}

std::vector<std::string> MultiServer::push_for(Client& c, const TlsSession& s, std::uint32_t peer_id) {
    ovpn::PushPeer peer;
    if (peer_id != ovpn::kNoPeerId) peer.peer_id = peer_id;
    peer.session_options = s.push_options();
    if (int mtu = ovpn::peer_info_mtu(s.peer_info())) peer.client_mtu = mtu;
    return ovpn::client_push_options(c.push, c.ifconfig, o_.tun_mtu, peer);
}

// --- status and management -----------------------------------------------------------

StatusSnapshot MultiServer::snapshot(std::time_t now) const {
    StatusSnapshot s;
    s.now = now;
    s.title = fmt::format("vpn {} x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO]", VPN_VERSION);
    for (const auto& c : slots_) {
        if (!c || !c->established) continue;
        ClientStatus cs;
        cs.common_name = c->info.common_name.empty() ? "UNDEF" : c->info.common_name;
        cs.real = c->addr;
        if (c->vaddr.be) cs.virtual_v4 = tun::format_ipv4(c->vaddr);
        auto& st = const_cast<p2p::TlsLink&>(*c->link).stats();
        cs.bytes_received = st.link_read_bytes;
        cs.bytes_sent = st.link_write_bytes;
        cs.connected_since = c->info.connected_since;
        cs.username = c->info.username.empty() ? "UNDEF" : c->info.username;
        cs.client_id = c->slot;
        cs.peer_id = c->slot;
        cs.cipher = c->link->cipher();
        s.clients.push_back(std::move(cs));
        for (const auto& r : c->routes) {
            RouteStatus rs;
            rs.virtual_address = format_route(r);
            rs.common_name = s.clients.back().common_name;
            rs.real = c->addr;
            rs.last_ref = now;
            s.routes.push_back(std::move(rs));
        }
    }
    return s;
}

p2p::TunnelStats MultiServer::total_stats() const {
    p2p::TunnelStats t = ended_stats_;
    for (const auto& c : slots_)
        if (c) add_stats(t, const_cast<p2p::TlsLink&>(*c->link).stats());
    // What no client owns: strangers' packets, refused newcomers, device packets
    // for no one.
    auto& ld = t.link_drops;
    ld[static_cast<std::size_t>(p2p::LinkDrop::WrongSource)] +=
        counters_.unknown_source + counters_.rate_limited + counters_.max_clients;
    ld[static_cast<std::size_t>(p2p::LinkDrop::NoPeer)] += counters_.no_route;
    ld[static_cast<std::size_t>(p2p::LinkDrop::BadPayload)] += counters_.not_ipv4;
    return t;
}

std::string MultiServer::virtual_address_of(const std::string& common_name) const {
    for (const auto& c : slots_)
        if (c && c->established && c->info.common_name == common_name && c->vaddr.be)
            return tun::format_ipv4(c->vaddr);
    return {};
}

std::vector<std::string> MultiServer::status_lines(int version) {
    return server::status_lines(snapshot(std::time(nullptr)), version == 0 ? o_.server.status_version : version);
}

int MultiServer::kill_by_common_name(const std::string& cn) {
    int n = 0;
    for (auto& c : slots_) {
        if (!c || c->end_reason || c->info.common_name != cn) continue;
        c->link->send_restart(last_now_);
        request_end(*c, "kill", last_now_);
        ++n;
    }
    return n;
}

int MultiServer::kill_by_address(std::uint32_t ipv4, std::uint16_t port) {
    int n = 0;
    for (auto& c : slots_) {
        if (!c || c->end_reason || c->addr.port() != port) continue;
        std::uint32_t host = 0;
        if (c->addr.family() == AF_INET) {
            host = ntohl(reinterpret_cast<const sockaddr_in*>(c->addr.sa())->sin_addr.s_addr);
        } else if (c->addr.family() == AF_INET6) {
            const auto& a6 = reinterpret_cast<const sockaddr_in6*>(c->addr.sa())->sin6_addr;
            if (!IN6_IS_ADDR_V4MAPPED(&a6)) continue;
            std::uint32_t be;
            std::memcpy(&be, a6.s6_addr + 12, 4);
            host = ntohl(be);
        }
        if (host != ipv4) continue;
        c->link->send_restart(last_now_);
        request_end(*c, "kill", last_now_);
        ++n;
    }
    return n;
}

LoadStats MultiServer::load_stats() {
    LoadStats l;
    for (const auto& c : slots_)
        if (c && c->established) ++l.n_clients;
    l.bytes_in = counters_.link_bytes_in;
    l.bytes_out = counters_.link_bytes_out;
    return l;
}

std::vector<ClientBytes> MultiServer::client_bytes() {
    std::vector<ClientBytes> out;
    for (const auto& c : slots_) {
        if (!c || !c->established) continue;
        auto& st = c->link->stats();
        out.push_back(ClientBytes{c->slot, st.link_read_bytes, st.link_write_bytes});
    }
    return out;
}

}  // namespace vpn::server
