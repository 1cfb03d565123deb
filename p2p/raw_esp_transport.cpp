#include "p2p/raw_esp_transport.hpp"

#include <arpa/inet.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "common/log/log.hpp"

namespace vpn::p2p {
namespace {

constexpr int kSocketBuffer = 4 << 20;
constexpr std::size_t kRxSlots = 32;

// A dual-stack plan may hold IPv4 peers as ::ffff:a.b.c.d; a raw IPv6 socket never
// sees IPv4 packets, so such an address becomes a plain IPv4 one.
net::SockAddr unmapped(const net::SockAddr& a) {
    if (a.family() != AF_INET6) return a;
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
    if (!IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) return a;
    net::SockAddr v4;
    auto* s4 = reinterpret_cast<sockaddr_in*>(&v4.storage);
    s4->sin_family = AF_INET;
    std::memcpy(&s4->sin_addr, s6->sin6_addr.s6_addr + 12, 4);
    v4.len = sizeof(sockaddr_in);
    return v4;
}

}  // namespace

net::SockAddr without_port(const net::SockAddr& a) {
    net::SockAddr r = unmapped(a);
    if (r.family() == AF_INET) reinterpret_cast<sockaddr_in*>(&r.storage)->sin_port = 0;
    else if (r.family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&r.storage)->sin6_port = 0;
    return r;
}

RawEspTransport::RawEspTransport(asio::io_context& io, const LinkPlan& plan, TransportEvents events,
                                 std::size_t max_packet)
    : plan_(plan), events_(std::move(events)), wait_(io), max_packet_(max_packet) {}

RawEspTransport::~RawEspTransport() {
    if (wait_.is_open()) wait_.release();
    if (fd_ >= 0) ::close(fd_);
}

void RawEspTransport::start() {
    // The family follows the peer, else a specific IPv6 bind address; a wildcard
    // (dual-stack) bind means IPv4, which is what IPsec peers here use.
    int family = AF_INET;
    if (plan_.remote) {
        family = unmapped(*plan_.remote).family();
    } else if (plan_.bind) {
        net::SockAddr local = unmapped(plan_.local);
        const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&local.storage);
        if (local.family() == AF_INET6 && !IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr)) family = AF_INET6;
    }
    fd_ = ::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
    if (fd_ < 0)
        throw std::runtime_error(fmt::format("cannot create a raw ESP socket (IP protocol 50): {}{}",
                                             std::strerror(errno), errno == EPERM ? " (needs root)" : ""));
    if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) != 0)
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
    if (setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) != 0)
        setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
    // IPv4 raw sockets hand up the IP header too: room for the largest one.
    rx_slot_ = max_packet_ + 60 + 1;
    rx_.resize(kRxSlots * rx_slot_);
    rx_from_.resize(kRxSlots);
    if (plan_.bind) {
        net::SockAddr local = without_port(plan_.local);
        if (local.family() == family && ::bind(fd_, local.sa(), local.len) != 0)
            throw std::runtime_error(
                fmt::format("cannot bind the raw ESP socket to {}: {}", local.host(), std::strerror(errno)));
    }
    if (plan_.remote) {
        peer_ = without_port(*plan_.remote);
        log::info("ESP link remote: {} (IP protocol 50)", peer_->host());
    } else {
        log::info("ESP link: waiting for the peer (IP protocol 50)");
    }
    wait_.assign(fd_);
    arm();
}

void RawEspTransport::arm() {
    wait_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const asio::error_code& ec) {
        if (ec) return;
        on_readable();
        arm();
    });
}

void RawEspTransport::on_readable() {
    mmsghdr msgs[kRxSlots];
    iovec iov[kRxSlots];
    for (std::size_t i = 0; i < kRxSlots; ++i) {
        iov[i] = {rx_.data() + i * rx_slot_, rx_slot_};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &rx_from_[i].storage;
        msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
    int n = ::recvmmsg(fd_, msgs, kRxSlots, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    batch_.count = 0;
    for (int i = 0; i < n; ++i) {
        const msghdr& h = msgs[i].msg_hdr;
        rx_from_[i].len = h.msg_namelen;
        const std::uint8_t* p = rx_.data() + i * rx_slot_;
        std::size_t len = msgs[i].msg_len;
        bool cut = (h.msg_flags & MSG_TRUNC) != 0;
        if (rx_from_[i].family() == AF_INET) {
            // The IPv4 header is ours to strip; a packet too short for its own
            // header goes up empty, to be dropped and counted like any runt.
            std::size_t ihl = len ? std::size_t(p[0] & 0x0f) * 4 : 0;
            if (ihl < 20 || ihl > len) {
                len = 0;
            } else {
                p += ihl;
                len -= ihl;
            }
        }
        if (len > max_packet_) cut = true;
        batch_.add(Bytes(p, len), &rx_from_[i], cut);
    }
    events_.on_packets(batch_);
}

bool RawEspTransport::send_to(Bytes datagram, const net::SockAddr& to) {
    net::SockAddr dst = without_port(to);
    if (::sendto(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT, dst.sa(), dst.len) >= 0) return true;
    ++send_failures_;
    return false;
}

void RawEspTransport::send(const TxBatch& b) {
    if (!peer_ || b.count == 0) return;
    mmsghdr msgs[kMaxDatagrams];
    iovec iov[kMaxDatagrams];
    for (std::size_t i = 0; i < b.count; ++i) {
        iov[i] = {const_cast<std::uint8_t*>(b.data(i)), b.len[i]};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &peer_->storage;
        msgs[i].msg_hdr.msg_namelen = peer_->len;
    }
    // Bounded: each round sends at least one packet or gives the rest up.
    std::size_t done = 0;
    while (done < b.count) {
        int r = ::sendmmsg(fd_, msgs + done, static_cast<unsigned>(b.count - done), MSG_DONTWAIT);
        if (r > 0) {
            done += static_cast<std::size_t>(r);
            continue;
        }
        int err = errno;
        if (err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS)
            log::verbose("ESP send to {} failed: {}", peer_->host(), std::strerror(err));
        break;
    }
    send_failures_ += b.count - done;
}

bool RawEspTransport::source_allowed(const net::SockAddr& from) const {
    if (plan_.float_remote || !peer_) return true;
    return without_port(from).same_endpoint(*peer_);
}

void RawEspTransport::authenticated(const net::SockAddr& from) {
    net::SockAddr a = without_port(from);
    if (confirmed_ && peer_ && peer_->same_endpoint(a)) return;
    bool floated = confirmed_;
    peer_ = a;
    confirmed_ = true;
    log::info("{} {}", floated ? "Peer floated to" : "Peer Connection Initiated with", a.host());
    if (events_.on_connected) events_.on_connected(a.host());
}

void RawEspTransport::restart() {
    if (plan_.remote_host.empty()) {
        peer_.reset();
        confirmed_ = false;
        return;
    }
    if (auto again = resolve_remote(plan_)) peer_ = without_port(*again);
}

void RawEspTransport::set_peer(const net::SockAddr& peer) { peer_ = without_port(peer); }

std::string RawEspTransport::peer_string() const { return peer_ ? peer_->host() : "[no peer yet]"; }

}  // namespace vpn::p2p
