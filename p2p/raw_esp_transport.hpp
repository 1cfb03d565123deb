#pragma once
// ESP straight over IP (protocol 50), for IPsec peers that talk without UDP
// encapsulation: a raw socket, one ESP packet per message.  The kernel here has
// no ESP of its own (no CONFIG_INET_ESP), so every protocol-50 packet reaches this
// socket untouched.  Received IPv4 packets carry their IP header, which is cut off
// before the batch goes up; there are no ports, so the peer is an address only.
#include <optional>
#include <vector>

#include <asio/posix/stream_descriptor.hpp>

#include "p2p/link_plan.hpp"
#include "p2p/transport.hpp"

namespace vpn::p2p {

// The address alone: raw IP has no ports, and a peer is known by where it sends from.
net::SockAddr without_port(const net::SockAddr& a);

class RawEspTransport final : public Transport {
public:
    RawEspTransport(asio::io_context& io, const LinkPlan& plan, TransportEvents events, std::size_t max_packet);
    ~RawEspTransport() override;

    void start() override;
    void send(const TxBatch& batch) override;
    bool send_to(Bytes datagram, const net::SockAddr& to) override;
    bool has_peer() const override { return peer_.has_value(); }
    bool source_allowed(const net::SockAddr& from) const override;
    void authenticated(const net::SockAddr& from) override;
    void restart() override;
    bool datagram() const override { return true; }
    std::string peer_string() const override;
    std::size_t framing() const override { return 0; }
    std::uint64_t send_failures() const override { return send_failures_; }
    // Peer management for a transport that owns this one (IpsecTransport).
    void set_peer(const net::SockAddr& peer);

private:
    void arm();
    void on_readable();

    LinkPlan plan_;
    TransportEvents events_;
    asio::posix::stream_descriptor wait_;
    int fd_ = -1;
    std::optional<net::SockAddr> peer_;
    bool confirmed_ = false;
    std::size_t max_packet_;
    std::size_t rx_slot_;
    std::vector<std::uint8_t> rx_;
    std::vector<net::SockAddr> rx_from_;
    RxBatch batch_;
    std::uint64_t send_failures_ = 0;
};

}  // namespace vpn::p2p
