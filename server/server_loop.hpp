#pragma once
// The multi-client server's event loop on one Asio context: moves bytes between the
// device, the link and the MultiServer, and keeps its clocks.
//
//   device readable ─► read packets (plain, no virtio header) ─► server.on_tun ─┐
//   link packets    ─► server.on_link (each with its source address)            │
//                                                                               ▼
//                       ServerSink: sealed datagrams batched with their destinations
//                       ─► one sendmmsg (UDP) / the connections' queues (TCP);
//                       packets for the device written at once
//   1 s tick        ─► server.tick, status file, pool persist file
//   wake            ─► server.wake (retransmissions, clients that said goodbye)
//   signals         ─► SIGTERM/SIGINT: clients told, scripts run, exit;
//                      SIGUSR2: counters to the log
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include "p2p/packet_batch.hpp"
#include "p2p/transport.hpp"
#include "server/multi_server.hpp"

namespace vpn::server {

class TcpListener;

class ServerLoop final : public ServerSink {
public:
    // `tun_fd` stays the caller's; `payload_max` is the largest device packet.
    ServerLoop(asio::io_context& io, MultiServer& server, int tun_fd, std::size_t payload_max);
    ~ServerLoop() override;

    // The link: UDP (a Transport bound to the server's address) or TCP connections.
    void use_udp(const p2p::LinkPlan& plan);
    void use_tcp(const p2p::LinkPlan& plan, std::size_t max_connections);
    // Called every second after the server's own tick (status file, persist file).
    void on_second(std::function<void()> f) { on_second_ = std::move(f); }

    void start();
    int run();

    // ServerSink
    MutBytes link_slot() override;
    void link_commit(std::size_t len, const net::SockAddr& to) override;
    void to_tun(Bytes packet) override;

private:
    void on_link_packets(const p2p::RxBatch& batch);
    void arm_tun();
    void on_tun_readable();
    void flush_link();
    void after_events();
    void schedule_wake();
    void on_tick();
    void on_signal(int signo);
    void report_counters();

    asio::io_context& io_;
    MultiServer& server_;
    int tun_fd_;
    std::size_t payload_max_;
    std::size_t slot_need_;

    p2p::TxBatch tx_;
    std::vector<net::SockAddr> to_;
    std::vector<std::uint8_t> tun_buf_;
    std::unique_ptr<p2p::Transport> udp_;
    std::unique_ptr<TcpListener> tcp_;

    asio::posix::stream_descriptor tun_wait_;
    asio::steady_timer tick_;
    asio::steady_timer wake_;
    std::optional<std::int64_t> wake_at_;
    asio::signal_set signals_;
    std::function<void()> on_second_;
    std::uint64_t tun_write_failures_ = 0;
    bool exiting_ = false;
    unsigned ticks_ = 0;
};

}  // namespace vpn::server
