#pragma once
// The data path of a p2p tunnel on one Asio context:
//
//   TUN readable  ─► read packets straight into the TxBatch arena, at the offset
//                    where session.encapsulate frames and seals them in place, back to
//                    back ─► transport.send (UDP: GSO trains in one sendmmsg)
//   link packets  ─► RxBatch of spans (GRO trains / TCP framer) ─► source check
//                    ─► session.decapsulate into open_buf_ ─► write TUN
//   1 s timer     ─► session.on_timer: pings, OCC, ping-restart, ping-exit, exit notify
//   signals       ─► SIGTERM/SIGINT exit, SIGUSR1/SIGHUP restart, SIGUSR2 statistics
//
// Buffers are allocated once here; the per-packet path allocates nothing.
#include <memory>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include "p2p/peer_session.hpp"
#include "p2p/transport.hpp"

namespace vpn::p2p {

Now clock_now();

class TunnelLoop {
public:
    // `tun_fd` stays owned by the caller; `payload_max` is the largest TUN packet.
    TunnelLoop(asio::io_context& io, int tun_fd, PeerSession& session, const LinkPlan& plan,
               std::size_t payload_max);
    ~TunnelLoop();

    void start();
    // Runs until exit; returns the exit status.
    int run();

private:
    void arm_tun();
    void on_tun_readable();
    void on_link_packets(const RxBatch& batch);
    void send_control();
    void on_tick();
    void on_signal(int signo);
    void restart(const std::string& why);
    void report_stats();

    asio::io_context& io_;
    int tun_fd_;
    PeerSession& session_;
    std::size_t payload_max_;

    TxBatch tx_;
    std::vector<std::uint8_t> open_buf_;
    std::vector<std::uint8_t> scratch_;
    std::vector<std::uint8_t> control_buf_;

    std::unique_ptr<Transport> transport_;
    asio::posix::stream_descriptor tun_wait_;
    bool tun_armed_ = false;
    asio::steady_timer tick_;
    asio::signal_set signals_;
    bool exiting_ = false;
    int exit_status_ = 0;
};

}  // namespace vpn::p2p
