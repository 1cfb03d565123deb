#pragma once
// One NETLINK_ROUTE socket and the request/reply exchange on it.  Used at setup and
// teardown only, so simplicity beats speed: one request in flight, a fresh sequence
// number per request, a bounded receive loop.
//
//   request(msg): send msg with NLM_F_ACK, read until NLMSG_ERROR for our seq (error 0
//     is the ack, otherwise the kernel's errno); replies before it (RTM_GETLINK,
//     RTM_GETROUTE lookups) go to the callback.
//   dump(msg): send msg with NLM_F_DUMP, read until NLMSG_DONE; entries go to the
//     callback only once the dump is complete and consistent (retried if the kernel
//     flags NLM_F_DUMP_INTR).
//   Messages not from the kernel, or for another port or seq, are ignored.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/util/bytes.hpp"
#include "tun/netlink_message.hpp"

namespace vpn::tun {

// Outcome of one request: error is 0 or a positive errno; kernel_message is the extended
// ack text (NETLINK_EXT_ACK) when the kernel gave one, e.g. "Nexthop has invalid gateway".
struct NetlinkResult {
    int error = 0;
    std::string kernel_message;

    bool ok() const { return error == 0; }
    // "File exists" or "Invalid argument (kernel: Invalid prefix for given prefix length)".
    std::string describe() const;
};

class NetlinkSocket {
public:
    // Opens and binds the socket; receive timeout per recv() call.  Throws TunError.
    explicit NetlinkSocket(int timeout_ms = 3000);
    ~NetlinkSocket();
    NetlinkSocket(const NetlinkSocket&) = delete;
    NetlinkSocket& operator=(const NetlinkSocket&) = delete;

    // Called with (nlmsg_type, payload after nlmsghdr) for each reply message.
    using OnMessage = std::function<void(std::uint16_t type, Bytes payload)>;

    // Send `msg` (its seq is overwritten, NLM_F_ACK resp. NLM_F_DUMP added) and read the
    // answer as described above.  Kernel errors come back in the result; transport
    // failures (send/recv errors, timeout, truncated or malformed replies) throw TunError.
    NetlinkResult request(NetlinkMessage& msg, const OnMessage& on_message = {});
    NetlinkResult dump(NetlinkMessage& msg, const OnMessage& on_message);

private:
    struct Reply {
        std::uint16_t type;
        std::vector<std::uint8_t> payload;
    };
    // One send + receive loop; `interrupted` reports NLM_F_DUMP_INTR.
    NetlinkResult exchange(NetlinkMessage& msg, bool is_dump, std::vector<Reply>& replies,
                           bool& interrupted);
    void send(const NetlinkMessage& msg);
    // Reads one datagram into buf_; returns its length.
    std::size_t receive();

    int fd_ = -1;
    std::uint32_t port_id_ = 0;
    std::uint32_t next_seq_ = 1;
    std::vector<std::uint8_t> buf_;
};

}  // namespace vpn::tun
