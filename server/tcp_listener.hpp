#pragma once
// The TCP edge of the multi-client server (`proto tcp-server`): one listening socket,
// many connections, each an OpenVPN packet stream (2-byte length framing, wire.md §2).
// Connections are known by their peer address, which is what the server keys its
// clients by, so over TCP as over UDP a packet comes up with a source address and
// goes down to a destination address.
//
// A connection that has not delivered one packet within the silent timeout is closed
// (a peer that connects and says nothing must not hold one of max_connections
// forever); after its first packet the server owns its lifetime and closes it with
// close() (hand-window, ping-restart, ...).
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "common/net/sock_addr.hpp"
#include "common/net/tcp_framer.hpp"
#include "common/util/bytes.hpp"
#include "p2p/link_plan.hpp"
#include "p2p/packet_batch.hpp"

namespace vpn::server {

struct TcpListenerEvents {
    // Packets of one connection, valid only during the call; from[i] points at the
    // connection's peer address.
    std::function<void(const p2p::RxBatch& batch)> on_packets;
    // The peer closed, the connection failed or broke the framing, or it stayed
    // silent too long.  Not called for close().
    std::function<void(const net::SockAddr& peer)> on_closed;
};

// A peer address as a fixed-size value, for lookups that do not allocate.  IPv4-mapped
// IPv6 addresses (dual-stack sockets) are folded into their IPv4 form, so either
// spelling finds the same connection.
struct TcpPeerKey {
    std::array<std::uint8_t, 16> addr{};
    std::uint16_t port = 0;
    std::uint8_t family = 0;  // 4, 6 or 0 (unsupported family: matches no connection)

    static TcpPeerKey of(const net::SockAddr& a);
    bool operator==(const TcpPeerKey&) const = default;
};

struct TcpPeerKeyHash {
    std::size_t operator()(const TcpPeerKey& k) const noexcept;
};

class TcpListener {
public:
    // `local`: where to bind (plan.local, plan.v6only for AF_INET6).  `max_packet`: the
    // largest packet a peer may send; a longer (or zero) length prefix closes that
    // connection.  `max_connections`: beyond it new connections are accepted and closed
    // at once (counted in rejected_connections()).
    TcpListener(asio::io_context& io, const p2p::LinkPlan& plan, TcpListenerEvents events, std::size_t max_packet,
                std::size_t max_connections);
    ~TcpListener();
    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;

    // Binds (SO_REUSEADDR) and listens; throws std::runtime_error (one line) on failure.
    void start();

    // Queues one packet (framed) to the connection of `to`.  False when there is no such
    // connection, the packet cannot be framed, or its backlog is full (counted in
    // send_failures; the connection stays: the tunnel's reliability layer resends).
    bool send_to(Bytes packet, const net::SockAddr& to);
    // Datagram i of `batch` to to[i]; each connection touched gets one write.
    void send_addressed(const p2p::TxBatch& batch, const net::SockAddr* to);
    // Closes the connection of `peer` (no on_closed for it).  Safe inside on_packets.
    void close(const net::SockAddr& peer);

    std::size_t connections() const { return conns_.size(); }
    std::uint64_t send_failures() const { return send_failures_; }
    std::uint64_t rejected_connections() const { return rejected_; }
    // The bound port (useful after binding port 0); 0 before start().
    std::uint16_t local_port() const;
    // How long a new connection may stay without delivering a packet (default 60 s,
    // 2.6's hand-window).  Takes effect for the next sweep.
    void set_silent_timeout(std::chrono::milliseconds t);

private:
    struct Connection : std::enable_shared_from_this<Connection> {
        explicit Connection(asio::ip::tcp::socket s, std::size_t max_packet) : socket(std::move(s)), framer(max_packet) {}
        asio::ip::tcp::socket socket;
        net::SockAddr peer;
        TcpPeerKey key;
        net::TcpFramer framer;
        // Double buffer: one being written by the kernel, one collecting new packets.
        std::vector<std::uint8_t> writing;
        std::vector<std::uint8_t> pending;
        bool write_busy = false;
        bool flush_queued = false;  // listed in touched_ during send_addressed
        bool closed = false;
        bool delivered = false;  // has handed up at least one packet
        std::chrono::steady_clock::time_point accepted_at;
    };
    using ConnPtr = std::shared_ptr<Connection>;

    void accept_next();
    void on_accepted(asio::ip::tcp::socket s);
    void read_more(const ConnPtr& c);
    void on_read(const ConnPtr& c, std::size_t n);
    bool enqueue(Connection& c, Bytes packet);
    void flush(const ConnPtr& c);
    // Closes and forgets `c`; `why` non-empty = an unrequested close, reported.
    void drop(ConnPtr c, const char* why);
    void schedule_sweep();
    void sweep();

    asio::io_context& io_;
    p2p::LinkPlan plan_;
    TcpListenerEvents events_;
    std::size_t max_packet_;
    std::size_t max_connections_;
    std::size_t backlog_limit_;
    std::optional<asio::ip::tcp::acceptor> acceptor_;
    asio::steady_timer accept_retry_;
    asio::steady_timer sweep_timer_;
    std::chrono::milliseconds silent_timeout_{60000};
    // Handlers still queued when the listener goes away must not touch it.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

    std::unordered_map<TcpPeerKey, ConnPtr, TcpPeerKeyHash> conns_;
    p2p::RxBatch batch_;
    std::array<Connection*, p2p::kMaxDatagrams> touched_{};
    std::uint64_t send_failures_ = 0;
    std::uint64_t rejected_ = 0;
};

}  // namespace vpn::server
