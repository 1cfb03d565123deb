#pragma once
// UDP link: one OpenVPN packet per datagram on the wire, but moved in bulk:
// sends go out as UDP GSO trains (runs of equal-sized datagrams handed to the
// kernel as one buffer, UDP_SEGMENT) in one sendmmsg; receives use UDP GRO (the
// kernel hands over runs of same-flow datagrams in one buffer) and recvmmsg.
// Both fall back to one datagram per message where the kernel refuses.
#include <optional>
#include <vector>

#include <asio/posix/stream_descriptor.hpp>

#include "p2p/link_plan.hpp"
#include "p2p/transport.hpp"

namespace vpn::p2p {

class UdpTransport final : public Transport {
public:
    UdpTransport(asio::io_context& io, const LinkPlan& plan, TransportEvents events, std::size_t max_packet);
    ~UdpTransport() override;

    void start() override;
    void send(const TxBatch& batch) override;
    void send_addressed(const TxBatch& batch, const net::SockAddr* to) override;
    bool send_to(Bytes datagram, const net::SockAddr& to) override;
    bool has_peer() const override { return peer_.has_value(); }
    bool source_allowed(const net::SockAddr& from) const override;
    void authenticated(const net::SockAddr& from) override;
    void restart() override;
    bool datagram() const override { return true; }
    std::string peer_string() const override;
    std::size_t framing() const override { return 0; }
    std::uint64_t send_failures() const override { return send_failures_; }
    // The port the socket is bound to (0 before start()).
    std::uint16_t local_port() const { return local_port_; }
    // Peer management for a transport that owns this one (IpsecTransport).
    void set_peer(const net::SockAddr& peer) { peer_ = peer; }

private:
    void arm();
    void on_readable();
    bool send_single(const std::uint8_t* data, std::size_t len, const net::SockAddr& to);
    // `to`: one address per datagram, or nullptr for the peer's.
    void send_batch(const TxBatch& batch, const net::SockAddr* to);

    LinkPlan plan_;
    TransportEvents events_;
    asio::posix::stream_descriptor wait_;
    int fd_ = -1;
    std::optional<net::SockAddr> peer_;
    bool confirmed_ = false;  // an authenticated packet came from peer_
    bool gso_ = true;         // cleared when the kernel keeps refusing UDP_SEGMENT
    int gso_failures_ = 0;
    bool gro_ = false;
    std::size_t max_packet_;

    // Receive buffers: kRxSlots messages of up to 64 KiB (a GRO train) each.
    std::vector<std::uint8_t> rx_;
    std::vector<net::SockAddr> rx_from_;
    std::size_t rx_slot_;
    RxBatch batch_;
    std::uint64_t send_failures_ = 0;
    std::uint16_t local_port_ = 0;
};

}  // namespace vpn::p2p
