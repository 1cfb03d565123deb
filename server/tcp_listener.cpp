#include "server/tcp_listener.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <asio/ip/v6_only.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include "common/log/log.hpp"
#include "p2p/asio_endpoint.hpp"

namespace vpn::server {
namespace {

using p2p::from_endpoint;
using p2p::to_endpoint;

// 2.6's print_sockaddr: a wildcard address shows as "[undef]".
std::string print_local(const net::SockAddr& a) {
    bool wildcard = false;
    if (a.family() == AF_INET) wildcard = reinterpret_cast<const sockaddr_in*>(&a.storage)->sin_addr.s_addr == 0;
    if (a.family() == AF_INET6)
        wildcard = IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&a.storage)->sin6_addr);
    if (!wildcard) return a.str();
    return fmt::format("[{}][undef]:{}", a.family() == AF_INET6 ? "AF_INET6" : "AF_INET", a.port());
}

std::uint64_t load_u64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

}  // namespace

TcpPeerKey TcpPeerKey::of(const net::SockAddr& a) {
    TcpPeerKey k;
    if (a.family() == AF_INET && a.len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&a.storage);
        k.family = 4;
        std::memcpy(k.addr.data(), &in->sin_addr, 4);
        k.port = in->sin_port;
    } else if (a.family() == AF_INET6 && a.len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
        k.port = in6->sin6_port;
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            k.family = 4;
            std::memcpy(k.addr.data(), in6->sin6_addr.s6_addr + 12, 4);
        } else {
            k.family = 6;
            std::memcpy(k.addr.data(), in6->sin6_addr.s6_addr, 16);
        }
    }
    return k;
}

std::size_t TcpPeerKeyHash::operator()(const TcpPeerKey& k) const noexcept {
    // splitmix64 finaliser over the folded key: cheap, and every input bit reaches
    // every output bit, so peers differing only in port spread over the buckets.
    std::uint64_t x = load_u64(k.addr.data()) * 0x9e3779b97f4a7c15ULL ^ load_u64(k.addr.data() + 8) ^
                      (std::uint64_t{k.port} << 8 | k.family);
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return static_cast<std::size_t>(x);
}

TcpListener::TcpListener(asio::io_context& io, const p2p::LinkPlan& plan, TcpListenerEvents events,
                         std::size_t max_packet, std::size_t max_connections)
    : io_(io),
      plan_(plan),
      events_(std::move(events)),
      max_packet_(std::min<std::size_t>(max_packet, 0xffff)),
      max_connections_(max_connections),
      backlog_limit_(std::max<std::size_t>(64 * (max_packet + 2), std::size_t{1} << 19)),
      accept_retry_(io),
      sweep_timer_(io) {
    conns_.reserve(std::min<std::size_t>(max_connections, 4096));
}

TcpListener::~TcpListener() {
    *alive_ = false;
    asio::error_code ec;
    if (acceptor_) acceptor_->close(ec);
    accept_retry_.cancel();
    sweep_timer_.cancel();
    // Queued read/write handlers hold their connection; closed tells them to stop
    // before they touch the listener.
    for (auto& [key, c] : conns_) {
        c->closed = true;
        c->socket.close(ec);
    }
    conns_.clear();
}

void TcpListener::start() {
    auto ep = to_endpoint(plan_.local);
    asio::error_code ec;
    acceptor_.emplace(io_);
    acceptor_->open(ep.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && plan_.local.family() == AF_INET6) acceptor_->set_option(asio::ip::v6_only(plan_.v6only), ec);
    if (!ec) acceptor_->bind(ep, ec);
    if (ec) {
        acceptor_.reset();
        throw std::runtime_error(fmt::format("cannot bind TCP socket to {}: {}", plan_.local.str(), ec.message()));
    }
    // 2.6 listens with a backlog of 32; a busy server wants more, the kernel caps it.
    acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        acceptor_.reset();
        throw std::runtime_error(fmt::format("TCP: listen() on {} failed: {}", plan_.local.str(), ec.message()));
    }
    const char* proto = plan_.local.family() == AF_INET6 ? "TCPv6_SERVER" : "TCPv4_SERVER";
    log::info("Listening for incoming TCP connection on {}", print_local(plan_.local));
    log::info("{} link local (bound): {}", proto, print_local(plan_.local));
    log::info("{} link remote: [AF_UNSPEC]", proto);
    accept_next();
    schedule_sweep();
}

std::uint16_t TcpListener::local_port() const {
    if (!acceptor_) return 0;
    asio::error_code ec;
    auto ep = acceptor_->local_endpoint(ec);
    return ec ? 0 : ep.port();
}

void TcpListener::set_silent_timeout(std::chrono::milliseconds t) {
    silent_timeout_ = std::max(t, std::chrono::milliseconds(1));
    if (acceptor_) {
        sweep_timer_.cancel();
        schedule_sweep();
    }
}

void TcpListener::accept_next() {
    acceptor_->async_accept([this, alive = alive_](const asio::error_code& ec, asio::ip::tcp::socket s) {
        if (!*alive || ec == asio::error::operation_aborted) return;
        if (ec) {
            // Out of descriptors or memory: accepting again at once would spin; the
            // pending connections wait in the kernel's queue meanwhile.
            log::warn("TCP: accept failed: {}", ec.message());
            accept_retry_.expires_after(std::chrono::milliseconds(100));
            accept_retry_.async_wait([this, alive](const asio::error_code& e) {
                if (*alive && !e) accept_next();
            });
            return;
        }
        on_accepted(std::move(s));
        accept_next();
    });
}

void TcpListener::on_accepted(asio::ip::tcp::socket s) {
    asio::error_code ec;
    auto ep = s.remote_endpoint(ec);
    if (ec) return;  // reset before we looked at it; the socket closes with `s`
    auto peer = from_endpoint(ep);
    if (conns_.size() >= max_connections_) {
        ++rejected_;
        log::verbose("TCP connection from {} refused: {} connections already", peer.str(), conns_.size());
        s.close(ec);
        return;
    }
    auto key = TcpPeerKey::of(peer);
    if (key.family == 0) {
        s.close(ec);
        return;
    }
    // A connection from the same address and port can only be a new one after the
    // old one died unnoticed; the old one goes.
    if (auto it = conns_.find(key); it != conns_.end()) drop(it->second, "replaced by a new connection");

    s.set_option(asio::ip::tcp::no_delay(true), ec);
    auto c = std::make_shared<Connection>(std::move(s), max_packet_);
    c->peer = peer;
    c->key = key;
    c->accepted_at = std::chrono::steady_clock::now();
    conns_.emplace(key, c);
    log::verbose("TCP connection established with {}", peer.str());
    read_more(c);
}

void TcpListener::read_more(const ConnPtr& c) {
    auto space = c->framer.write_space();
    if (space.empty()) {  // cannot happen with a well-behaved framer; never spin on it
        drop(c, "TCP stream buffer full");
        return;
    }
    c->socket.async_read_some(asio::buffer(space.data(), space.size()),
                              [this, c](const asio::error_code& ec, std::size_t n) {
                                  if (c->closed) return;
                                  if (ec) {
                                      drop(c, ec == asio::error::eof ? "connection closed by peer" : "read error");
                                      return;
                                  }
                                  on_read(c, n);
                              });
}

void TcpListener::on_read(const ConnPtr& c, std::size_t n) {
    c->framer.commit(n);
    // Packets are spans into this connection's framer, which `c` keeps alive even if
    // a handler closes the connection meanwhile.  The good packets of a read are
    // delivered before a framing error further on closes it.
    batch_.count = 0;
    bool broken = false;
    for (;;) {
        auto next = c->framer.next();
        if (next.status == net::TcpFramer::Status::Error) {
            broken = true;
            break;
        }
        if (next.status == net::TcpFramer::Status::NeedMore) break;
        batch_.add(next.packet, &c->peer, false);
        c->delivered = true;
        if (batch_.count == p2p::kMaxDatagrams) {
            if (events_.on_packets) events_.on_packets(batch_);
            batch_.count = 0;
            if (c->closed) return;
        }
    }
    if (batch_.count) {
        if (events_.on_packets) events_.on_packets(batch_);
        batch_.count = 0;
    }
    if (c->closed) return;
    if (broken) {
        drop(c, "bad packet length in TCP stream");
        return;
    }
    read_more(c);
}

bool TcpListener::enqueue(Connection& c, Bytes packet) {
    if (packet.empty() || packet.size() > 0xffff || c.pending.size() + packet.size() + 2 > backlog_limit_) {
        ++send_failures_;
        return false;
    }
    std::uint8_t prefix[2];
    net::put_tcp_length(prefix, packet.size());
    c.pending.insert(c.pending.end(), prefix, prefix + 2);
    c.pending.insert(c.pending.end(), packet.begin(), packet.end());
    return true;
}

bool TcpListener::send_to(Bytes packet, const net::SockAddr& to) {
    auto it = conns_.find(TcpPeerKey::of(to));
    if (it == conns_.end()) {
        ++send_failures_;
        return false;
    }
    if (!enqueue(*it->second, packet)) return false;
    flush(it->second);
    return true;
}

void TcpListener::send_addressed(const p2p::TxBatch& batch, const net::SockAddr* to) {
    std::size_t touched = 0;
    for (std::size_t i = 0; i < batch.count; ++i) {
        auto it = conns_.find(TcpPeerKey::of(to[i]));
        if (it == conns_.end()) {
            ++send_failures_;
            continue;
        }
        Connection& c = *it->second;
        if (!enqueue(c, Bytes(batch.data(i), batch.len[i]))) continue;
        if (!c.flush_queued && touched < touched_.size()) {
            c.flush_queued = true;
            touched_[touched++] = &c;
        }
    }
    // Nothing above closes a connection (Asio never completes an operation inline),
    // so the pointers are still good.
    for (std::size_t i = 0; i < touched; ++i) {
        touched_[i]->flush_queued = false;
        flush(touched_[i]->shared_from_this());
        touched_[i] = nullptr;
    }
}

void TcpListener::flush(const ConnPtr& c) {
    if (c->write_busy || c->pending.empty() || c->closed) return;
    c->writing.swap(c->pending);
    c->pending.clear();
    c->write_busy = true;
    asio::async_write(c->socket, asio::buffer(c->writing), [this, c](const asio::error_code& ec, std::size_t) {
        if (c->closed) return;
        c->write_busy = false;
        c->writing.clear();
        if (ec) {
            drop(c, "write error");
            return;
        }
        flush(c);
    });
}

void TcpListener::close(const net::SockAddr& peer) {
    auto it = conns_.find(TcpPeerKey::of(peer));
    if (it != conns_.end()) drop(it->second, nullptr);
}

void TcpListener::drop(ConnPtr c, const char* why) {
    if (c->closed) return;
    c->closed = true;
    asio::error_code ec;
    c->socket.close(ec);
    if (auto it = conns_.find(c->key); it != conns_.end() && it->second == c) conns_.erase(it);
    if (!why) {
        log::verbose("TCP connection with {} closed", c->peer.str());
        return;
    }
    log::verbose("TCP connection with {} closed: {}", c->peer.str(), why);
    if (events_.on_closed) events_.on_closed(c->peer);
}

void TcpListener::schedule_sweep() {
    auto period = std::clamp<std::chrono::milliseconds>(silent_timeout_ / 4, std::chrono::milliseconds(10),
                                                        std::chrono::milliseconds(5000));
    sweep_timer_.expires_after(period);
    sweep_timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
        if (!*alive || ec) return;
        sweep();
        schedule_sweep();
    });
}

void TcpListener::sweep() {
    auto deadline = std::chrono::steady_clock::now() - silent_timeout_;
    // Collected first: drop() erases from the map and on_closed may close others.
    std::vector<ConnPtr> silent;
    for (auto& [key, c] : conns_) {
        if (!c->delivered && c->accepted_at < deadline) silent.push_back(c);
    }
    for (auto& c : silent) drop(c, "no packet within the silent timeout");
}

}  // namespace vpn::server
