#include "p2p/ipsec_transport.hpp"

#include "common/log/log.hpp"

namespace vpn::p2p {
namespace {

constexpr std::uint16_t kIkePort = 500;
constexpr std::uint16_t kNatTPort = 4500;

void set_port(net::SockAddr& a, std::uint16_t port) {
    if (a.family() == AF_INET) reinterpret_cast<sockaddr_in*>(&a.storage)->sin_port = htons(port);
    else if (a.family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&a.storage)->sin6_port = htons(port);
}

// The plan of one of the UDP sockets: bound to `port`, talking to the peer's `port`.
LinkPlan on_port(const LinkPlan& plan, std::uint16_t port) {
    LinkPlan p = plan;
    p.proto = config::Proto::Udp;
    p.bind = true;
    set_port(p.local, port);
    p.remote_port = port;
    for (auto& r : p.remotes) r.port = port;
    if (p.remote) set_port(*p.remote, port);
    p.raw_esp = false;
    return p;
}

}  // namespace

IpsecTransport::IpsecTransport(asio::io_context& io, const LinkPlan& plan, TransportEvents events,
                               std::size_t max_packet, bool raw_esp)
    : esp_udp_(!raw_esp) {
    ike_ = std::make_unique<UdpTransport>(io, on_port(plan, kIkePort), events, max_packet);
    natt_ = std::make_unique<UdpTransport>(io, on_port(plan, kNatTPort), events, max_packet);
    if (raw_esp) raw_ = std::make_unique<RawEspTransport>(io, plan, events, max_packet);
    if (plan.remote) {
        net::SockAddr peer = *plan.remote;
        set_port(peer, kNatTPort);
        esp_peer_ = peer;
    }
}

void IpsecTransport::start() {
    ike_->start();
    natt_->start();
    if (raw_) raw_->start();
}

void IpsecTransport::send(const TxBatch& batch) {
    if (!esp_peer_) return;
    if (esp_udp_ || !raw_) natt_->send(batch);
    else raw_->send(batch);
}

void IpsecTransport::send_addressed(const TxBatch& batch, const net::SockAddr* to) {
    bool all_udp = true;
    for (std::size_t i = 0; i < batch.count && all_udp; ++i) all_udp = to[i].port() != 0;
    if (all_udp || !raw_) {
        natt_->send_addressed(batch, to);  // GSO trains per peer where they line up
        return;
    }
    for (std::size_t i = 0; i < batch.count; ++i) {
        Bytes d(batch.data(i), batch.len[i]);
        if (to[i].port() != 0) natt_->send_to(d, to[i]);
        else raw_->send_to(d, to[i]);
    }
}

bool IpsecTransport::send_to(Bytes datagram, const net::SockAddr& to) {
    return (to.port() == kIkePort ? *ike_ : *natt_).send_to(datagram, to);
}

bool IpsecTransport::source_allowed(const net::SockAddr& from) const {
    (void)from;
    return true;
}

void IpsecTransport::authenticated(const net::SockAddr& from) {
    // Only ESP proves the peer here: over raw IP it has no port, in UDP the port is
    // where the peer's NAT mapping answers.
    set_esp_peer(from, from.port() != 0);
}

void IpsecTransport::set_esp_peer(const net::SockAddr& peer, bool udp) {
    bool moved = !esp_peer_ || !esp_peer_->same_endpoint(peer) || esp_udp_ != (udp || !raw_);
    esp_peer_ = peer;
    esp_udp_ = udp || !raw_;
    if (esp_udp_) natt_->set_peer(peer);
    else raw_->set_peer(peer);
    if (moved) log::info("ESP to {} ({})", peer.str(), esp_udp_ ? "in UDP" : "IP protocol 50");
}

void IpsecTransport::restart() {
    ike_->restart();
    natt_->restart();
    if (raw_) raw_->restart();
}

std::string IpsecTransport::peer_string() const { return esp_peer_ ? esp_peer_->str() : "[no peer yet]"; }

std::uint64_t IpsecTransport::send_failures() const {
    return ike_->send_failures() + natt_->send_failures() + (raw_ ? raw_->send_failures() : 0);
}

}  // namespace vpn::p2p
