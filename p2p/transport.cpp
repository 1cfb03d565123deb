#include "p2p/transport.hpp"

#include "p2p/ipsec_transport.hpp"
#include "p2p/raw_esp_transport.hpp"
#include "p2p/tcp_transport.hpp"
#include "p2p/udp_transport.hpp"

namespace vpn::p2p {

std::unique_ptr<Transport> make_transport(asio::io_context& io, const LinkPlan& plan, TransportEvents events,
                                          std::size_t max_packet) {
    if (plan.ike) return std::make_unique<IpsecTransport>(io, plan, std::move(events), max_packet, plan.raw_esp);
    if (plan.raw_esp) return std::make_unique<RawEspTransport>(io, plan, std::move(events), max_packet);
    if (plan.proto == config::Proto::Udp) return std::make_unique<UdpTransport>(io, plan, std::move(events), max_packet);
    return std::make_unique<TcpTransport>(io, plan, std::move(events), max_packet);
}

}  // namespace vpn::p2p
