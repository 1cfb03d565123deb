#pragma once
// The link of an IKE-keyed IPsec peer: three sockets behind one Transport.
//
//   UDP 500   IKE_SA_INIT, and IKE as long as no NAT was detected
//   UDP 4500  IKE after NAT detection (behind the 4-byte non-ESP marker) and ESP
//             in UDP (RFC 3948)
//   raw 50    ESP straight over IP, when no NAT was detected and NAT-T is not forced
//
// ESP goes out in batches by send() on whichever ESP path is current; IKE messages
// go out one by one by send_to(), on the socket their destination port names.  Every
// batch carries the local port it arrived on, so the session tells IKE on 500 from
// IKE or ESP on 4500.  Which source is acceptable is the session's call (IKE
// authenticates its messages, ESP its packets): source_allowed() says yes to all.
#include <memory>
#include <optional>

#include "p2p/raw_esp_transport.hpp"
#include "p2p/transport.hpp"
#include "p2p/udp_transport.hpp"

namespace vpn::p2p {

class IpsecTransport final : public Transport {
public:
    IpsecTransport(asio::io_context& io, const LinkPlan& plan, TransportEvents events, std::size_t max_packet,
                   bool raw_esp);

    void start() override;
    void send(const TxBatch& batch) override;
    // A gateway's ESP, each datagram to its peer: in UDP where the address has a port,
    // raw where it has none.
    void send_addressed(const TxBatch& batch, const net::SockAddr* to) override;
    bool send_to(Bytes datagram, const net::SockAddr& to) override;
    // IKE can always answer whoever wrote; ESP waits for set_esp_peer().
    bool has_peer() const override { return true; }
    bool source_allowed(const net::SockAddr& from) const override;
    void authenticated(const net::SockAddr& from) override;
    void restart() override;
    bool datagram() const override { return true; }
    std::string peer_string() const override;
    std::size_t framing() const override { return 0; }
    std::uint64_t send_failures() const override;

    // Where ESP goes from now on: in UDP to `peer` (its 4500, or the port a NAT
    // mapped it to), or raw to its address.
    void set_esp_peer(const net::SockAddr& peer, bool udp);

private:
    std::unique_ptr<UdpTransport> ike_;   // local port 500
    std::unique_ptr<UdpTransport> natt_;  // local port 4500
    std::unique_ptr<RawEspTransport> raw_;
    std::optional<net::SockAddr> esp_peer_;
    bool esp_udp_ = true;
};

}  // namespace vpn::p2p
