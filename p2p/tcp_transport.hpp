#pragma once
// TCP link: OpenVPN's 2-byte length framing over one connection.  As server it
// listens and serves one peer at a time (p2p); as client it connects to the remote
// and reconnects with back-off (1 s doubling to 300 s, OpenVPN's connect-retry).
#include <optional>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "common/net/tcp_framer.hpp"
#include "p2p/link_plan.hpp"
#include "p2p/transport.hpp"

namespace vpn::p2p {

class TcpTransport final : public Transport {
public:
    TcpTransport(asio::io_context& io, const LinkPlan& plan, TransportEvents events, std::size_t max_packet);

    void start() override;
    void send(const TxBatch& batch) override;
    bool has_peer() const override { return connected_; }
    bool congested() const override;
    bool source_allowed(const net::SockAddr&) const override { return true; }  // the connection is the peer
    void authenticated(const net::SockAddr&) override { proven_ = true; }
    void restart() override;
    bool datagram() const override { return false; }
    std::string peer_string() const override;
    std::size_t framing() const override { return 2; }
    std::uint64_t send_failures() const override { return send_failures_; }

private:
    void accept_next();
    void connect_now();
    void schedule_reconnect();
    void on_connected();  // socket_ holds the new connection
    void read_more();
    void flush();
    void drop_connection(const std::string& why);

    asio::io_context& io_;
    LinkPlan plan_;
    TransportEvents events_;
    bool server_;
    std::optional<asio::ip::tcp::acceptor> acceptor_;
    asio::ip::tcp::socket socket_;
    asio::steady_timer retry_timer_;
    int retry_seconds_ = 1;
    std::size_t failures_ = 0;  // connection attempts since the last success
    bool connected_ = false;
    bool proven_ = false;  // the current connection delivered an authentic packet
    std::uint64_t generation_ = 0;  // invalidates handlers of a closed connection
    net::SockAddr peer_;

    net::TcpFramer framer_;
    RxBatch batch_;

    // Double buffer: one being written by the kernel, one collecting new packets.
    std::vector<std::uint8_t> writing_;
    std::vector<std::uint8_t> pending_;
    bool write_busy_ = false;
    std::size_t backlog_limit_;
    std::uint64_t send_failures_ = 0;
};

}  // namespace vpn::p2p
