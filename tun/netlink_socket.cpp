#include "tun/netlink_socket.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "tun/tun_error.hpp"

namespace vpn::tun {

namespace {

// Room for the largest single netlink datagram the kernel sends us (dump batches are
// capped at 32 KiB by default; RTM_NEWLINK with many VFs can be large).
constexpr std::size_t kRecvBuffer = 64 * 1024;
// Hard bounds on one exchange, whatever the kernel (or anyone spoofing it) sends.
constexpr int kMaxDatagrams = 1 << 20;
constexpr auto kMaxExchange = std::chrono::seconds(30);
constexpr int kDumpAttempts = 3;

constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t(3); }

// Extended ack TLVs after an nlmsgerr (netlink(7), "NETLINK_EXT_ACK").
std::string extack_message(std::uint16_t flags, Bytes payload) {
    if (!(flags & NLM_F_ACK_TLVS) || payload.size() < sizeof(nlmsgerr)) return {};
    nlmsgerr err;
    std::memcpy(&err, payload.data(), sizeof err);
    std::size_t offset = sizeof(nlmsgerr);
    if (!(flags & NLM_F_CAPPED)) {
        // The whole request is echoed back; its payload sits between nlmsgerr and the TLVs.
        if (err.msg.nlmsg_len < sizeof(nlmsghdr)) return {};
        offset += align4(err.msg.nlmsg_len - sizeof(nlmsghdr));
    }
    if (offset >= payload.size()) return {};
    AttrReader attrs(payload.subspan(offset));
    while (auto a = attrs.next())
        if (a->type == NLMSGERR_ATTR_MSG) return std::string(a->as_string());
    return {};
}

}  // namespace

std::string NetlinkResult::describe() const {
    std::string text = errno_text(error);
    if (!kernel_message.empty()) text += fmt::format(" (kernel: {})", kernel_message);
    return text;
}

NetlinkSocket::NetlinkSocket(int timeout_ms) : buf_(kRecvBuffer) {
    fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0) throw TunError("cannot open netlink socket: " + errno_text(errno));
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    const int one = 1;
    // Ask for the kernel's error strings and for acks that do not echo our request.
    ::setsockopt(fd_, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    ::setsockopt(fd_, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    socklen_t len = sizeof local;
    if (::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len) != 0) {
        const int err = errno;
        ::close(fd_);
        throw TunError("cannot set up netlink socket: " + errno_text(err));
    }
    port_id_ = local.nl_pid;
}

NetlinkSocket::~NetlinkSocket() {
    if (fd_ >= 0) ::close(fd_);
}

void NetlinkSocket::send(const NetlinkMessage& msg) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    const Bytes data = msg.bytes();
    for (int attempt = 0; attempt < 3; ++attempt) {
        const ssize_t n = ::sendto(fd_, data.data(), data.size(), 0,
                                   reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
        if (n == static_cast<ssize_t>(data.size())) return;
        if (n < 0 && errno == EINTR) continue;
        throw TunError("netlink: send failed: " + (n < 0 ? errno_text(errno) : "short write"));
    }
    throw TunError("netlink: send interrupted");
}

std::size_t NetlinkSocket::receive() {
    for (;;) {
        sockaddr_nl from{};
        iovec iov{buf_.data(), buf_.size()};
        msghdr mh{};
        mh.msg_name = &from;
        mh.msg_namelen = sizeof from;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        const ssize_t n = ::recvmsg(fd_, &mh, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                throw TunError("netlink: no answer from the kernel (timeout)");
            throw TunError("netlink: receive failed: " + errno_text(errno));
        }
        if (mh.msg_flags & MSG_TRUNC) throw TunError("netlink: reply larger than receive buffer");
        if (from.nl_pid != 0) continue;  // only the kernel may answer
        return static_cast<std::size_t>(n);
    }
}

NetlinkResult NetlinkSocket::exchange(NetlinkMessage& msg, bool is_dump, std::vector<Reply>& replies,
                                      bool& interrupted) {
    const std::uint32_t seq = next_seq_++;
    msg.set_seq(seq);
    send(msg);
    replies.clear();
    interrupted = false;
    const auto deadline = std::chrono::steady_clock::now() + kMaxExchange;
    for (int datagrams = 0; datagrams < kMaxDatagrams; ++datagrams) {
        if (std::chrono::steady_clock::now() > deadline) break;
        Bytes rest(buf_.data(), receive());
        while (rest.size() >= sizeof(nlmsghdr)) {
            nlmsghdr h;
            std::memcpy(&h, rest.data(), sizeof h);
            if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > rest.size())
                throw TunError("netlink: malformed reply from the kernel");
            const Bytes payload = rest.subspan(sizeof(nlmsghdr), h.nlmsg_len - sizeof(nlmsghdr));
            rest = rest.subspan(std::min<std::size_t>(align4(h.nlmsg_len), rest.size()));
            if (h.nlmsg_seq != seq || (h.nlmsg_pid != port_id_ && h.nlmsg_pid != 0)) continue;
            if (h.nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
            switch (h.nlmsg_type) {
            case NLMSG_NOOP:
                continue;
            case NLMSG_OVERRUN:
                throw TunError("netlink: kernel reports overrun");
            case NLMSG_ERROR: {
                if (payload.size() < sizeof(int)) throw TunError("netlink: short error message");
                int err;
                std::memcpy(&err, payload.data(), sizeof err);
                return NetlinkResult{err < 0 ? -err : err, err ? extack_message(h.nlmsg_flags, payload) : ""};
            }
            case NLMSG_DONE: {
                int err = 0;
                if (payload.size() >= sizeof(int)) std::memcpy(&err, payload.data(), sizeof err);
                if (is_dump) return NetlinkResult{err < 0 ? -err : err, {}};
                continue;
            }
            default:
                replies.push_back(Reply{h.nlmsg_type, std::vector<std::uint8_t>(payload.begin(), payload.end())});
            }
        }
    }
    throw TunError("netlink: kernel did not finish its answer");
}

NetlinkResult NetlinkSocket::request(NetlinkMessage& msg, const OnMessage& on_message) {
    msg.set_flags(static_cast<std::uint16_t>(msg.flags() | NLM_F_REQUEST | NLM_F_ACK));
    std::vector<Reply> replies;
    bool interrupted = false;
    NetlinkResult result = exchange(msg, false, replies, interrupted);
    if (result.ok() && on_message)
        for (const Reply& r : replies) on_message(r.type, Bytes(r.payload));
    return result;
}

NetlinkResult NetlinkSocket::dump(NetlinkMessage& msg, const OnMessage& on_message) {
    msg.set_flags(static_cast<std::uint16_t>(msg.flags() | NLM_F_REQUEST | NLM_F_DUMP));
    std::vector<Reply> replies;
    for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
        bool interrupted = false;
        NetlinkResult result = exchange(msg, true, replies, interrupted);
        if (!result.ok()) return result;
        if (interrupted) continue;  // the table changed under the dump; ask again
        if (on_message)
            for (const Reply& r : replies) on_message(r.type, Bytes(r.payload));
        return result;
    }
    return NetlinkResult{EAGAIN, "dump kept being interrupted by concurrent changes"};
}

}  // namespace vpn::tun
