#pragma once
// The link side of a tunnel: UDP datagrams or a TCP stream of length-prefixed
// packets.  Transports run on the runner's Asio context and hand received packets
// to `on_packets`; they never look inside them.
#include <functional>
#include <memory>
#include <string>

#include <asio/io_context.hpp>

#include "p2p/link_plan.hpp"
#include "p2p/packet_batch.hpp"

namespace vpn::p2p {

struct TransportEvents {
    // Received datagrams, valid only during the call.
    std::function<void(const RxBatch& batch)> on_packets;
    // The link became usable (TCP connected) or went down (TCP closed / failed).
    std::function<void(const std::string& peer)> on_connected;
    std::function<void(const std::string& why)> on_lost;
    // TCP: the send backlog drained below its limit again.
    std::function<void()> on_writable;
    // TCP client: every remote was tried connect-retry-max times.
    std::function<void()> on_give_up;
};

class Transport {
public:
    virtual ~Transport() = default;
    virtual void start() = 0;
    // Sends every datagram of `batch`; drops what cannot go (counted in send_failures).
    virtual void send(const TxBatch& batch) = 0;
    // One datagram to another address than the peer's (UDP: a server's new client
    // proving itself while the current one is served).  False where there is no
    // such thing (TCP) or the socket refused it.
    virtual bool send_to(Bytes datagram, const net::SockAddr& to) {
        (void)datagram;
        (void)to;
        return false;
    }
    // Every datagram of `batch` to its own address to[i] (a multi-client server).
    virtual void send_addressed(const TxBatch& batch, const net::SockAddr* to) {
        for (std::size_t i = 0; i < batch.count; ++i) send_to(Bytes(batch.data(i), batch.len[i]), to[i]);
    }
    // True when a packet sent now would reach the peer (known address / connection up).
    virtual bool has_peer() const = 0;
    // TCP with a full backlog: stop reading the TUN until on_writable.
    virtual bool congested() const { return false; }
    // UDP source policy: may a packet from `from` be authenticated at all (remote +
    // no float pins the peer); after it authenticated, adopt the address.
    virtual bool source_allowed(const net::SockAddr& from) const = 0;
    virtual void authenticated(const net::SockAddr& from) = 0;
    // Soft restart: re-resolve, forget a learned peer, reconnect.
    virtual void restart() = 0;
    // explicit-exit-notify only makes sense over UDP.
    virtual bool datagram() const = 0;
    virtual std::string peer_string() const = 0;
    // Bytes of link-level framing around each packet (2 for TCP).
    virtual std::size_t framing() const = 0;
    // Packets lost because the socket could not take them (full buffers).
    virtual std::uint64_t send_failures() const = 0;
};

// IKE + ESP (plan.ike), raw ESP (plan.raw_esp), else UDP, TCP server or TCP client after plan.proto.  `max_packet`: the largest packet
// (without framing) the peer may send us.
std::unique_ptr<Transport> make_transport(asio::io_context& io, const LinkPlan& plan, TransportEvents events,
                                          std::size_t max_packet);

}  // namespace vpn::p2p
