#pragma once
// Fixed packet buffers for one direction of the data path, allocated once.
// Every slot has kHeadroom bytes in front of the packet: the TCP length prefix and
// the compression header are written there without moving the packet.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/net/sock_addr.hpp"
#include "common/util/bytes.hpp"

namespace vpn::p2p {

constexpr std::size_t kBatch = 64;
constexpr std::size_t kHeadroom = 64;

class PacketBatch {
public:
    explicit PacketBatch(std::size_t slot_size) : slot_size_(slot_size), storage_(slot_size * kBatch) {}

    std::size_t slot_size() const { return slot_size_; }
    MutBytes slot(std::size_t i) { return MutBytes(storage_.data() + i * slot_size_, slot_size_); }
    // The packet of slot i, which starts at kHeadroom.
    std::uint8_t* data(std::size_t i) { return storage_.data() + i * slot_size_ + kHeadroom; }
    std::size_t capacity() const { return slot_size_ - kHeadroom; }

    std::array<std::size_t, kBatch> len{};
    std::array<net::SockAddr, kBatch> from{};
    std::array<bool, kBatch> truncated{};
    std::size_t count = 0;

private:
    std::size_t slot_size_;
    std::vector<std::uint8_t> storage_;
};

}  // namespace vpn::p2p
