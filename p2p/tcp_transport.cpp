#include "p2p/tcp_transport.hpp"

#include <netinet/tcp.h>

#include <algorithm>
#include <cstring>

#include <asio/connect.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/write.hpp>

#include "common/log/log.hpp"
#include "p2p/asio_endpoint.hpp"

namespace vpn::p2p {

TcpTransport::TcpTransport(asio::io_context& io, const LinkPlan& plan, TransportEvents events,
                           std::size_t max_packet)
    : io_(io),
      plan_(plan),
      events_(std::move(events)),
      server_(plan.proto == config::Proto::TcpServer),
      socket_(io),
      retry_timer_(io),
      framer_(max_packet),
      backlog_limit_(std::max<std::size_t>(64 * (max_packet + 2), std::size_t{1} << 19)) {
    retry_seconds_ = plan_.connect_retry;
    writing_.reserve(backlog_limit_);
    pending_.reserve(backlog_limit_);
}

void TcpTransport::start() {
    if (server_) {
        acceptor_.emplace(io_);
        auto ep = to_endpoint(plan_.local);
        acceptor_->open(ep.protocol());
        acceptor_->set_option(asio::socket_base::reuse_address(true));
        if (plan_.family == AF_INET6) acceptor_->set_option(asio::ip::v6_only(plan_.v6only));
        asio::error_code ec;
        acceptor_->bind(ep, ec);
        if (ec) throw std::runtime_error(fmt::format("cannot bind TCP socket to {}: {}", plan_.local.str(), ec.message()));
        acceptor_->listen(1);
        log::info("Listening for incoming TCP connection on {}", plan_.local.str());
        accept_next();
    } else {
        connect_now();
    }
}

void TcpTransport::accept_next() {
    acceptor_->async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket s) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
            asio::error_code ignored;
            auto who = from_endpoint(s.remote_endpoint(ignored)).str();
            if (connected_ && proven_) {
                // p2p serves one peer; while it is proven, others are turned away.
                log::warn("TCP connection from {} refused: a peer is already connected", who);
                s.close(ignored);
            } else {
                // A connection that never sent an authentic packet must not lock the
                // real peer out: the newcomer replaces it.
                if (connected_) drop_connection("replaced by a new connection from " + who);
                socket_ = std::move(s);
                on_connected();
            }
        }
        accept_next();
    });
}

void TcpTransport::connect_now() {
    auto remote = resolve_remote(plan_);
    if (!remote) {
        schedule_reconnect();
        return;
    }
    log::info("Attempting to establish TCP connection with {}", remote->str());
    auto gen = ++generation_;
    socket_ = asio::ip::tcp::socket(io_);
    socket_.async_connect(to_endpoint(*remote), [this, gen, r = *remote](const asio::error_code& ec) {
        if (gen != generation_ || ec == asio::error::operation_aborted) return;
        if (ec) {
            log::info("TCP: connect to {} failed: {}", r.str(), ec.message());
            socket_.close();
            schedule_reconnect();
            return;
        }
        retry_seconds_ = plan_.connect_retry;
        failures_ = 0;
        on_connected();
    });
}

void TcpTransport::schedule_reconnect() {
    // init.c: the next remote after connect-retry seconds; after a whole round of
    // failures the wait doubles up to connect-retry-max.
    int wait = plan_.connect_retry;
    const std::size_t remotes = std::max<std::size_t>(plan_.remotes.size(), 1);
    if (plan_.connect_retry_max > 0 && ++failures_ >= static_cast<std::size_t>(plan_.connect_retry_max) * remotes) {
        log::info("No usable connection profiles are present (connect-retry-max {})", plan_.connect_retry_max);
        if (events_.on_give_up) events_.on_give_up();
        return;
    }
    if (next_remote(plan_)) {
        wait = retry_seconds_;
        retry_seconds_ = std::min(retry_seconds_ * 2, plan_.connect_retry_max_wait);
    }
    log::info("Retrying TCP connection in {} s", wait);
    retry_timer_.expires_after(std::chrono::seconds(wait));
    retry_timer_.async_wait([this](const asio::error_code& ec) {
        if (!ec) connect_now();
    });
}

void TcpTransport::on_connected() {
    asio::error_code ec;
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    auto ep = socket_.remote_endpoint(ec);
    peer_ = from_endpoint(ep);
    connected_ = true;
    proven_ = false;
    ++generation_;
    framer_.reset();
    writing_.clear();
    pending_.clear();
    write_busy_ = false;
    log::info("TCP connection established with {}", peer_.str());
    if (events_.on_connected) events_.on_connected(peer_.str());
    read_more();
}

void TcpTransport::read_more() {
    auto space = framer_.write_space();
    auto gen = generation_;
    socket_.async_read_some(asio::buffer(space.data(), space.size()), [this, gen](const asio::error_code& ec,
                                                                                   std::size_t n) {
        if (gen != generation_) return;
        if (ec) {
            drop_connection(ec == asio::error::eof ? "connection reset by peer" : ec.message());
            return;
        }
        framer_.commit(n);
        // Packets are handed over as spans into the framer: valid until the next read.
        batch_.count = 0;
        for (;;) {
            auto next = framer_.next();
            if (next.status == net::TcpFramer::Status::Error) {
                drop_connection("bad packet length in TCP stream");
                return;
            }
            if (next.status == net::TcpFramer::Status::NeedMore) break;
            batch_.add(next.packet, &peer_, false);
            if (batch_.count == kMaxDatagrams) {
                events_.on_packets(batch_);
                if (gen != generation_) return;  // the handler may have closed us
                batch_.count = 0;
            }
        }
        if (batch_.count) events_.on_packets(batch_);
        if (gen != generation_) return;
        read_more();
    });
}

void TcpTransport::send(const TxBatch& b) {
    if (!connected_) return;
    for (std::size_t i = 0; i < b.count; ++i) {
        if (pending_.size() + b.len[i] + 2 > backlog_limit_) {
            ++send_failures_;
            continue;
        }
        std::uint8_t prefix[2];
        net::put_tcp_length(prefix, b.len[i]);
        pending_.insert(pending_.end(), prefix, prefix + 2);
        pending_.insert(pending_.end(), b.data(i), b.data(i) + b.len[i]);
    }
    flush();
}

bool TcpTransport::congested() const { return connected_ && pending_.size() > backlog_limit_ / 2; }

void TcpTransport::flush() {
    if (write_busy_ || pending_.empty() || !connected_) return;
    writing_.swap(pending_);
    pending_.clear();
    write_busy_ = true;
    auto gen = generation_;
    asio::async_write(socket_, asio::buffer(writing_), [this, gen](const asio::error_code& ec, std::size_t) {
        if (gen != generation_) return;
        write_busy_ = false;
        writing_.clear();
        if (ec) {
            drop_connection(ec.message());
            return;
        }
        bool was_congested = pending_.size() > backlog_limit_ / 2;
        flush();
        if (was_congested && events_.on_writable) events_.on_writable();
    });
}

void TcpTransport::drop_connection(const std::string& why) {
    if (!connected_) return;
    connected_ = false;
    ++generation_;
    asio::error_code ec;
    socket_.close(ec);
    log::info("Connection reset, restarting [{}]", why);
    if (events_.on_lost) events_.on_lost(why);
    if (!server_) schedule_reconnect();
}

void TcpTransport::restart() {
    if (connected_) {
        connected_ = false;
        ++generation_;
        asio::error_code ec;
        socket_.close(ec);
    }
    if (!server_) {
        retry_timer_.cancel();
        retry_seconds_ = plan_.connect_retry;
        connect_now();
    }
}

std::string TcpTransport::peer_string() const { return connected_ ? peer_.str() : "[not connected]"; }

}  // namespace vpn::p2p
