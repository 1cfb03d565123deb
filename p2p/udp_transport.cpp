#include "p2p/udp_transport.hpp"

#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/log/log.hpp"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace vpn::p2p {
namespace {

constexpr int kSocketBuffer = 4 << 20;  // OpenVPN's 212 KB default overflows under load
constexpr std::size_t kRxSlots = 16;
constexpr std::size_t kGroSlot = 65536;   // one GRO train at most
constexpr std::size_t kMaxTrain = 64;     // UDP_MAX_SEGMENTS on older kernels
constexpr std::size_t kMaxTrainBytes = 65000;

void size_buffers(int fd) {
    // The *FORCE variants exceed net.core.rmem_max when we are root; fall back quietly.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
}

}  // namespace

UdpTransport::UdpTransport(asio::io_context& io, const LinkPlan& plan, TransportEvents events,
                           std::size_t max_packet)
    : plan_(plan), events_(std::move(events)), wait_(io), max_packet_(max_packet) {}

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
    int one = 1;
    gro_ = setsockopt(fd_, IPPROTO_UDP, UDP_GRO, &one, sizeof one) == 0;
    rx_slot_ = gro_ ? kGroSlot : max_packet_ + 1;  // +1 byte: a longer datagram shows as truncated
    rx_.resize(kRxSlots * rx_slot_);
    rx_from_.resize(kRxSlots);
    if (plan_.bind) {
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
    sockaddr_storage bound{};
    socklen_t bound_len = sizeof bound;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &bound_len) == 0) {
        net::SockAddr b;
        b.storage = bound;
        b.len = bound_len;
        local_port_ = b.port();
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
    mmsghdr msgs[kRxSlots];
    iovec iov[kRxSlots];
    alignas(cmsghdr) char control[kRxSlots][CMSG_SPACE(sizeof(int))];
    for (std::size_t i = 0; i < kRxSlots; ++i) {
        iov[i] = {rx_.data() + i * rx_slot_, rx_slot_};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &rx_from_[i].storage;
        msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
        msgs[i].msg_hdr.msg_control = control[i];
        msgs[i].msg_hdr.msg_controllen = sizeof control[i];
    }
    int n = ::recvmmsg(fd_, msgs, kRxSlots, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    batch_.count = 0;
    batch_.local_port = local_port_;
    for (int i = 0; i < n; ++i) {
        const msghdr& h = msgs[i].msg_hdr;
        rx_from_[i].len = h.msg_namelen;
        const std::uint8_t* base = rx_.data() + i * rx_slot_;
        std::size_t total = msgs[i].msg_len;
        bool cut = (h.msg_flags & MSG_TRUNC) != 0 || (!gro_ && total > max_packet_);
        // A GRO train: equal-sized datagrams of gso_size, the last one maybe shorter.
        std::size_t seg = total;
        for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
            if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
                int v;
                std::memcpy(&v, CMSG_DATA(c), sizeof v);
                if (v > 0) seg = static_cast<std::size_t>(v);
            }
        }
        // 16 GRO trains can hold more datagrams than one batch: a full batch goes
        // up at once (its spans stay valid until the next recvmmsg) and the rest
        // follows in the next, so nothing the kernel delivered is lost here.
        auto push = [&](Bytes d) {
            if (batch_.count == kMaxDatagrams) {
                events_.on_packets(batch_);
                batch_.count = 0;
            }
            batch_.add(d, &rx_from_[i], cut);
        };
        for (std::size_t off = 0; off < total; off += seg) push(Bytes(base + off, std::min(seg, total - off)));
        if (total == 0) push(Bytes(base, 0));
    }
    if (batch_.count) events_.on_packets(batch_);
}

bool UdpTransport::send_single(const std::uint8_t* data, std::size_t len, const net::SockAddr& to) {
    iovec v{const_cast<std::uint8_t*>(data), len};
    msghdr h{};
    h.msg_iov = &v;
    h.msg_iovlen = 1;
    h.msg_name = const_cast<sockaddr_storage*>(&to.storage);
    h.msg_namelen = to.len;
    return ::sendmsg(fd_, &h, MSG_DONTWAIT) >= 0;
}

bool UdpTransport::send_to(Bytes datagram, const net::SockAddr& to) {
    if (send_single(datagram.data(), datagram.size(), to)) return true;
    ++send_failures_;
    return false;
}

void UdpTransport::send(const TxBatch& b) {
    if (!peer_ || b.count == 0) return;
    send_batch(b, nullptr);
}

void UdpTransport::send_addressed(const TxBatch& b, const net::SockAddr* to) {
    if (b.count) send_batch(b, to);
}

void UdpTransport::send_batch(const TxBatch& b, const net::SockAddr* to) {
    auto dest = [&](std::size_t i) -> const net::SockAddr& { return to ? to[i] : *peer_; };
    mmsghdr msgs[kMaxDatagrams];
    iovec iov[kMaxDatagrams];
    alignas(cmsghdr) char control[kMaxDatagrams][CMSG_SPACE(sizeof(std::uint16_t))];
    std::size_t first[kMaxDatagrams], count[kMaxDatagrams];
    std::size_t i = 0, m = 0;
    while (i < b.count) {
        // A train: datagrams adjacent in the arena, all as long as the first except
        // possibly a shorter last one.
        std::size_t seg = b.len[i], total = seg, k = 1;
        while (gso_ && i + k < b.count && k < kMaxTrain && b.off[i + k] == b.off[i + k - 1] + b.len[i + k - 1] &&
               b.len[i + k] <= seg && total + b.len[i + k] <= kMaxTrainBytes &&
               (!to || to[i + k].same_endpoint(to[i]))) {
            total += b.len[i + k];
            ++k;
            if (b.len[i + k - 1] < seg) break;
        }
        iov[m] = {const_cast<std::uint8_t*>(b.data(i)), total};
        msgs[m] = {};
        msgs[m].msg_hdr.msg_iov = &iov[m];
        msgs[m].msg_hdr.msg_iovlen = 1;
        msgs[m].msg_hdr.msg_name = const_cast<sockaddr_storage*>(&dest(i).storage);
        msgs[m].msg_hdr.msg_namelen = dest(i).len;
        if (k > 1) {
            msgs[m].msg_hdr.msg_control = control[m];
            msgs[m].msg_hdr.msg_controllen = sizeof control[m];
            cmsghdr* c = CMSG_FIRSTHDR(&msgs[m].msg_hdr);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
            std::uint16_t gso = static_cast<std::uint16_t>(seg);
            std::memcpy(CMSG_DATA(c), &gso, sizeof gso);
        }
        first[m] = i;
        count[m] = k;
        ++m;
        i += k;
    }
    // Bounded: every round sends at least one message or gives up on one.
    std::size_t done = 0;
    while (done < m) {
        int r = ::sendmmsg(fd_, msgs + done, static_cast<unsigned>(m - done), MSG_DONTWAIT);
        if (r > 0) {
            done += static_cast<std::size_t>(r);
            gso_failures_ = 0;
            continue;
        }
        int err = errno;
        if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) break;  // full: UDP may lose the rest
        if (msgs[done].msg_hdr.msg_controllen && (err == EMSGSIZE || err == EINVAL || err == EIO)) {
            // The kernel will not segment this train: datagrams larger than the path
            // MTU (EMSGSIZE/EINVAL; they need IP fragmentation) or no checksum
            // offload on the route (EIO).  Send them one by one; give up on GSO
            // when it keeps failing.
            if (++gso_failures_ >= 16 && gso_) {
                gso_ = false;
                log::verbose("UDP GSO keeps failing ({}), sending datagrams one by one", std::strerror(err));
            }
            for (std::size_t d = first[done]; d < first[done] + count[done]; ++d)
                if (!send_single(b.data(d), b.len[d], dest(d))) ++send_failures_;
            ++done;
            continue;
        }
        log::verbose("UDP send to {} failed: {}", dest(first[done]).str(), std::strerror(err));
        send_failures_ += count[done];
        ++done;
    }
    for (std::size_t t = done; t < m; ++t) send_failures_ += count[t];
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
    if (plan_.remotes.size() > 1) {
        next_remote(plan_);
        log::info("UDP link remote: {}", plan_.remote ? plan_.remote->str() : plan_.remote_host);
        if (plan_.remote) peer_ = plan_.remote;
    } else if (!plan_.remote_host.empty()) {
        auto again = resolve_remote(plan_);
        if (again) peer_ = again;
        else if (plan_.remote) peer_ = plan_.remote;
    }
}

std::string UdpTransport::peer_string() const { return peer_ ? peer_->str() : "[no peer yet]"; }

}  // namespace vpn::p2p
