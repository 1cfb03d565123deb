#pragma once
// Packet buffers of the data path, allocated once per tunnel.
//
// TxBatch: datagrams to send, sealed back to back in one contiguous arena, so that a
// run of equal-sized datagrams is one UDP GSO "train" (one skb, one sendmmsg entry).
// RxBatch: received datagrams as spans into the transport's own buffers (UDP GRO
// buffers or the TCP framer): nothing is copied between socket and decryption.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/net/sock_addr.hpp"
#include "common/util/bytes.hpp"

namespace vpn::p2p {

constexpr std::size_t kMaxDatagrams = 256;

class TxBatch {
public:
    explicit TxBatch(std::size_t arena_size) : arena_(arena_size) {}

    void clear() {
        count = 0;
        used_ = 0;
    }
    // Room left for the next datagram, starting where it will be placed.
    MutBytes tail() { return MutBytes(arena_.data() + used_, arena_.size() - used_); }
    std::size_t room() const { return arena_.size() - used_; }
    bool full() const { return count == kMaxDatagrams; }
    // The datagram just written at tail() is `len` bytes long.
    void commit(std::size_t len) {
        off[count] = static_cast<std::uint32_t>(used_);
        this->len[count] = static_cast<std::uint32_t>(len);
        ++count;
        used_ += len;
    }
    const std::uint8_t* data(std::size_t i) const { return arena_.data() + off[i]; }
    std::uint8_t* data(std::size_t i) { return arena_.data() + off[i]; }

    std::array<std::uint32_t, kMaxDatagrams> off{};
    std::array<std::uint32_t, kMaxDatagrams> len{};
    std::size_t count = 0;

private:
    std::vector<std::uint8_t> arena_;
    std::size_t used_ = 0;
};

struct RxBatch {
    std::array<Bytes, kMaxDatagrams> datagram{};
    std::array<const net::SockAddr*, kMaxDatagrams> from{};
    std::array<bool, kMaxDatagrams> truncated{};
    std::size_t count = 0;
    // The local port the batch arrived on (0: not a UDP socket).  IPsec listens on
    // 500 and 4500, and the port says whether a non-ESP marker precedes IKE.
    std::uint16_t local_port = 0;

    void add(Bytes d, const net::SockAddr* src, bool cut) {
        datagram[count] = d;
        from[count] = src;
        truncated[count] = cut;
        ++count;
    }
};

}  // namespace vpn::p2p
