#pragma once
#include <optional>

#include <asio/posix/stream_descriptor.hpp>

#include "p2p/link_plan.hpp"
#include "p2p/transport.hpp"

namespace vpn::p2p {

class UdpTransport final : public Transport {
public:
    UdpTransport(asio::io_context& io, const LinkPlan& plan, TransportEvents events);
    ~UdpTransport() override;

    void set_receive_batch(PacketBatch* batch) override { rx_ = batch; }
    void start() override;
    void send(PacketBatch& batch, std::size_t n) override;
    bool has_peer() const override { return peer_.has_value(); }
    bool source_allowed(const net::SockAddr& from) const override;
    void authenticated(const net::SockAddr& from) override;
    void restart() override;
    bool datagram() const override { return true; }
    std::string peer_string() const override;
    std::size_t framing() const override { return 0; }
    std::uint64_t send_failures() const override { return send_failures_; }

private:
    void arm();
    void on_readable();

    asio::io_context& io_;
    LinkPlan plan_;
    TransportEvents events_;
    asio::posix::stream_descriptor wait_;
    int fd_ = -1;
    PacketBatch* rx_ = nullptr;
    std::optional<net::SockAddr> peer_;
    bool confirmed_ = false;  // an authenticated packet came from peer_
    std::uint64_t send_failures_ = 0;
};

}  // namespace vpn::p2p
