// UDP link: one OpenVPN packet per datagram, moved in batches with recvmmsg and
// sendmmsg so that a burst costs one system call per direction, not one per packet.
#include "p2p/udp_transport.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/log/log.hpp"

namespace vpn::p2p {
namespace {

constexpr int kSocketBuffer = 4 << 20;  // OpenVPN's 212 KB default overflows under load

void size_buffers(int fd) {
    // The *FORCE variants exceed net.core.rmem_max when we are root; fall back quietly.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
}

}  // namespace

UdpTransport::UdpTransport(asio::io_context& io, const LinkPlan& plan, TransportEvents events)
    : io_(io), plan_(plan), events_(std::move(events)), wait_(io) {}

UdpTransport::~UdpTransport() {
    if (wait_.is_open()) wait_.release();
    if (fd_ >= 0) ::close(fd_);
}

void UdpTransport::start() {
    fd_ = ::socket(plan_.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(fmt::format("cannot create UDP socket: {}", std::strerror(errno)));
    if (plan_.family == AF_INET6) {
        int v6only = plan_.v6only ? 1 : 0;
        setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    size_buffers(fd_);
    if (plan_.bind) {
        int one = 1;
        setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd_, plan_.local.sa(), plan_.local.len) != 0)
            throw std::runtime_error(
                fmt::format("cannot bind UDP socket to {}: {}", plan_.local.str(), std::strerror(errno)));
        log::info("UDP link local (bound): {}", plan_.local.str());
    } else {
        log::info("UDP link local: (not bound)");
    }
    if (plan_.remote) {
        peer_ = plan_.remote;
        log::info("UDP link remote: {}", peer_->str());
    }
    wait_.assign(fd_);
    arm();
}

void UdpTransport::arm() {
    wait_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const asio::error_code& ec) {
        if (ec) return;
        on_readable();
        arm();
    });
}

void UdpTransport::on_readable() {
    PacketBatch& b = *rx_;
    mmsghdr msgs[kBatch];
    iovec iov[kBatch];
    for (std::size_t i = 0; i < kBatch; ++i) {
        iov[i] = {b.data(i), b.capacity()};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &b.from[i].storage;
        msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
    int n = ::recvmmsg(fd_, msgs, kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    for (int i = 0; i < n; ++i) {
        b.len[i] = msgs[i].msg_len;
        b.from[i].len = msgs[i].msg_hdr.msg_namelen;
        b.truncated[i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    }
    b.count = static_cast<std::size_t>(n);
    events_.on_packets(b);
}

void UdpTransport::send(PacketBatch& b, std::size_t n) {
    if (!peer_ || n == 0) return;
    mmsghdr msgs[kBatch];
    iovec iov[kBatch];
    for (std::size_t i = 0; i < n; ++i) {
        iov[i] = {b.data(i), b.len[i]};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &peer_->storage;
        msgs[i].msg_hdr.msg_namelen = peer_->len;
    }
    std::size_t done = 0;
    // Bounded: each round either sends at least one datagram or stops.
    while (done < n) {
        int r = ::sendmmsg(fd_, msgs + done, static_cast<unsigned>(n - done), MSG_DONTWAIT);
        if (r <= 0) {
            if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
                log::verbose("UDP send to {} failed: {}", peer_->str(), std::strerror(errno));
            send_failures_ += n - done;  // a full socket buffer loses the rest, as UDP may
            return;
        }
        done += static_cast<std::size_t>(r);
    }
}

bool UdpTransport::source_allowed(const net::SockAddr& from) const {
    if (plan_.float_remote || !peer_) return true;
    return peer_->same_endpoint(from);
}

void UdpTransport::authenticated(const net::SockAddr& from) {
    if (confirmed_ && peer_ && peer_->same_endpoint(from)) return;
    bool floated = confirmed_;
    peer_ = from;
    confirmed_ = true;
    if (floated)
        log::info("Peer floated to {}", from.str());
    else
        log::info("Peer Connection Initiated with {}", from.str());
    if (events_.on_connected) events_.on_connected(from.str());
}

void UdpTransport::restart() {
    // A learned address is forgotten; a configured remote is resolved again.
    peer_.reset();
    confirmed_ = false;
    if (!plan_.remote_host.empty()) {
        auto again = resolve_remote(plan_);
        if (again) peer_ = again;
        else if (plan_.remote) peer_ = plan_.remote;
    }
}

std::string UdpTransport::peer_string() const { return peer_ ? peer_->str() : "[no peer yet]"; }

}  // namespace vpn::p2p
