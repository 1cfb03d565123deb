#include "server/server_loop.hpp"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include "common/log/log.hpp"
#include "p2p/tunnel_loop.hpp"
#include "server/tcp_listener.hpp"

namespace vpn::server {
namespace {

// The TX arena holds one batch of sealed datagrams.
constexpr std::size_t kTxArena = 256 * 1024;
// Where a device packet is read: room before it for the compression header.
constexpr std::size_t kTunAt = 64;

}  // namespace

ServerLoop::ServerLoop(asio::io_context& io, MultiServer& server, int tun_fd, std::size_t payload_max)
    : io_(io),
      server_(server),
      tun_fd_(tun_fd),
      payload_max_(payload_max),
      slot_need_(std::max<std::size_t>(4096, payload_max + payload_max / 16 + 256 + server.overhead())),
      tx_(kTxArena),
      to_(p2p::kMaxDatagrams),
      tun_buf_(kTunAt + payload_max + 64),
      tun_wait_(io),
      tick_(io),
      wake_(io),
      signals_(io) {}

ServerLoop::~ServerLoop() {
    if (tun_wait_.is_open()) tun_wait_.release();  // the fd is the TunDevice's
}

void ServerLoop::use_udp(const p2p::LinkPlan& plan) {
    p2p::TransportEvents ev;
    ev.on_packets = [this](const p2p::RxBatch& b) { on_link_packets(b); };
    udp_ = p2p::make_transport(io_, plan, std::move(ev), slot_need_);
}

void ServerLoop::use_tcp(const p2p::LinkPlan& plan, std::size_t max_connections) {
    TcpListenerEvents ev;
    ev.on_packets = [this](const p2p::RxBatch& b) { on_link_packets(b); };
    ev.on_closed = [this](const net::SockAddr& peer) {
        server_.on_link_closed(peer, p2p::clock_now());
        after_events();
    };
    tcp_ = std::make_unique<TcpListener>(io_, plan, std::move(ev), slot_need_, max_connections);
}

void ServerLoop::start() {
    if (udp_) udp_->start();
    if (tcp_) tcp_->start();
    tun_wait_.assign(tun_fd_);
    arm_tun();
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2}) signals_.add(s);
    signals_.async_wait([this](const asio::error_code& ec, int signo) {
        if (!ec) on_signal(signo);
    });
    tick_.expires_after(std::chrono::seconds(1));
    tick_.async_wait([this](const asio::error_code& ec) {
        if (!ec) on_tick();
    });
}

int ServerLoop::run() {
    io_.run();
    return 0;
}

MutBytes ServerLoop::link_slot() {
    if (tx_.full() || tx_.room() < slot_need_) flush_link();
    return tx_.tail();
}

void ServerLoop::link_commit(std::size_t len, const net::SockAddr& to) {
    to_[tx_.count] = to;
    tx_.commit(len);
}

void ServerLoop::to_tun(Bytes packet) {
    if (::write(tun_fd_, packet.data(), packet.size()) < 0) ++tun_write_failures_;
}

void ServerLoop::flush_link() {
    if (tx_.count == 0) return;
    if (udp_)
        udp_->send_addressed(tx_, to_.data());
    else if (tcp_)
        tcp_->send_addressed(tx_, to_.data());
    tx_.clear();
}

// After any handler: send what was sealed, close what ended, re-arm the wake.
void ServerLoop::after_events() {
    flush_link();
    if (tcp_)
        for (const auto& a : server_.take_closed()) tcp_->close(a);
    schedule_wake();
}

void ServerLoop::on_link_packets(const p2p::RxBatch& b) {
    const p2p::Now now = p2p::clock_now();
    for (std::size_t i = 0; i < b.count; ++i) {
        if (b.truncated[i]) continue;
        server_.on_link(b.datagram[i], *b.from[i], now, *this);
    }
    after_events();
}

void ServerLoop::arm_tun() {
    tun_wait_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const asio::error_code& ec) {
        if (ec) return;
        on_tun_readable();
        arm_tun();
    });
}

void ServerLoop::on_tun_readable() {
    const p2p::Now now = p2p::clock_now();
    // Bounded: one batch of reads, then the link and other events get their turn.
    for (std::size_t reads = 0; reads < p2p::kMaxDatagrams; ++reads) {
        ssize_t r = ::read(tun_fd_, tun_buf_.data() + kTunAt, payload_max_);
        if (r <= 0) break;
        server_.on_tun(tun_buf_, kTunAt, static_cast<std::size_t>(r), now, *this);
    }
    after_events();
}

void ServerLoop::schedule_wake() {
    auto want = server_.next_wake_ms();
    if (!want) return;
    if (wake_at_ && *wake_at_ <= *want) return;
    wake_at_ = *want;
    std::int64_t delay = *want - p2p::clock_now().mono_ms;
    wake_.expires_after(std::chrono::milliseconds(delay < 0 ? 0 : delay));
    wake_.async_wait([this](const asio::error_code& ec) {
        if (ec) return;
        wake_at_.reset();
        server_.wake(p2p::clock_now(), *this);
        after_events();
    });
}

void ServerLoop::on_tick() {
    server_.tick(p2p::clock_now(), *this);
    after_events();
    if (on_second_) on_second_();
    // Handshakes leave freed memory scattered in the heap; hand whole free pages back
    // every 10 s so the server's footprint follows its clients.
    if (++ticks_ % 10 == 0) malloc_trim(0);
    tick_.expires_after(std::chrono::seconds(1));
    tick_.async_wait([this](const asio::error_code& ec) {
        if (!ec) on_tick();
    });
}

void ServerLoop::report_counters() {
    const auto& c = server_.counters();
    log::info("clients,{}", server_.client_count());
    log::info("link read bytes,{}", c.link_bytes_in);
    log::info("link write bytes,{}", c.link_bytes_out);
    log::info("server drop unknown-source,{}", c.unknown_source);
    log::info("server drop rate-limited,{}", c.rate_limited);
    log::info("server drop max-clients,{}", c.max_clients);
    log::info("server drop spoofed-source,{}", c.spoofed_source);
    log::info("server drop no-route,{}", c.no_route);
    log::info("server drop not-ipv4,{}", c.not_ipv4);
    log::info("stateless replies,{}", c.gate_replies);
    log::info("clients ended,{}", c.clients_ended);
    auto total = server_.total_stats();
    total.link_drops[static_cast<std::size_t>(p2p::LinkDrop::TunWrite)] += tun_write_failures_;
    if (udp_) total.link_drops[static_cast<std::size_t>(p2p::LinkDrop::LinkWrite)] += udp_->send_failures();
    if (tcp_) total.link_drops[static_cast<std::size_t>(p2p::LinkDrop::LinkWrite)] += tcp_->send_failures();
    for (const auto& line : total.report_lines()) log::info("{}", line);
}

void ServerLoop::on_signal(int signo) {
    switch (signo) {
        case SIGUSR2:
            report_counters();
            break;
        case SIGUSR1:
        case SIGHUP:
            // The clients start over (2.6 restarts the whole server; the device and
            // socket stay here, so only the sessions go).
            log::info("{} received, client instances restarting", signo == SIGUSR1 ? "SIGUSR1" : "SIGHUP");
            server_.shutdown(p2p::clock_now(), *this);
            after_events();
            break;
        default:
            if (exiting_) {
                io_.stop();
                return;
            }
            exiting_ = true;
            log::info("{} received, process exiting", signo == SIGINT ? "SIGINT[hard,]" : "SIGTERM[hard,]");
            server_.shutdown(p2p::clock_now(), *this);
            after_events();
            io_.stop();
            return;
    }
    signals_.async_wait([this](const asio::error_code& ec, int s) {
        if (!ec) on_signal(s);
    });
}

}  // namespace vpn::server
