#pragma once
// The data path of a p2p tunnel on one Asio context:
//
//   TUN readable  ─► read packets (with a virtio header: TCP super-packets, cut by
//                    the Segmenter) into the TxBatch arena, at the offset where
//                    session.encapsulate frames and seals them in place, back to back
//                    ─► transport.send (UDP: GSO trains in one sendmmsg)
//   link packets  ─► RxBatch of spans (GRO trains / TCP framer) ─► source check
//                    ─► session.decapsulate into open_buf_ ─► Coalescer (consecutive
//                    TCP segments become one super-packet) ─► one TUN write each
//   1 s timer     ─► session.on_timer: pings, OCC, ping-restart, ping-exit, exit notify
//                    (and sooner when session.next_wake_ms() asks: TLS retransmissions)
//   signals       ─► SIGTERM/SIGINT exit, SIGUSR1/SIGHUP restart, SIGUSR2 statistics
//
// Buffers are allocated once here; the per-packet path allocates nothing.
#include <array>
#include <memory>
#include <optional>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include "p2p/link_session.hpp"
#include "tun/offload/coalescer.hpp"
#include "p2p/transport.hpp"

namespace vpn::p2p {

Now clock_now();

class TunnelLoop {
public:
    // `payload_max` is the largest TUN packet.
    TunnelLoop(asio::io_context& io, LinkSession& session, const LinkPlan& plan, std::size_t payload_max);
    ~TunnelLoop();

    // The device to carry: before start() (static key, TLS server) or once the
    // tunnel is configured (pull client).  `tun_fd` stays owned by the caller;
    // `vnet_hdr`: every packet has a virtio header.  detach_tun() before closing it.
    void attach_tun(int tun_fd, bool vnet_hdr);
    void detach_tun();
    bool has_tun() const { return tun_fd_ >= 0; }

    void start();
    // Send what the session has queued (after an event outside the loop's handlers).
    void send_control();
    // Stop with `status` (a fatal error found by a session callback).
    void stop(int status);
    // Runs until exit; returns the exit status.
    int run();
    // The link, for sessions whose events move it (IPsec: where ESP goes).
    Transport& transport() { return *transport_; }

private:
    void arm_tun();
    void on_tun_readable();
    // Seals the `len` payload bytes placed at tx_.tail()[payload_offset] into tx_.
    void seal_into_batch(std::size_t len, Now now);
    // tx_ to the transport: to its peer, or each datagram to its own address.
    void send_batch();
    void read_plain(Now now);
    void read_offloaded(Now now);
    void to_tun(Bytes packet);
    void flush_coalescer();
    void on_link_packets(const RxBatch& batch);
    void on_tick();
    void on_verdict(Verdict v);
    void schedule_wake();
    void on_signal(int signo);
    void restart(const std::string& why);
    void report_stats();

    asio::io_context& io_;
    int tun_fd_ = -1;
    bool vnet_hdr_ = false;
    LinkSession& session_;
    std::size_t payload_max_;

    TxBatch tx_;
    const bool addressed_;                           // session_.addressed()
    std::array<net::SockAddr, kMaxDatagrams> to_{};  // tx_'s destinations when addressed_
    std::vector<std::uint8_t> super_;  // one TUN read with a virtio header (up to 64 KiB)
    tun::offload::Coalescer coalescer_;
    std::vector<std::uint8_t> open_buf_;
    std::vector<std::uint8_t> scratch_;

    std::unique_ptr<Transport> transport_;
    asio::posix::stream_descriptor tun_wait_;
    bool tun_armed_ = false;
    asio::steady_timer tick_;
    asio::steady_timer wake_;
    std::optional<std::int64_t> wake_at_;  // ms, when wake_ is armed
    asio::signal_set signals_;
    bool exiting_ = false;
    int exit_status_ = 0;
};

}  // namespace vpn::p2p
