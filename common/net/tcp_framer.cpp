#include "common/net/tcp_framer.hpp"

#include <cstring>

namespace vpn::net {

// Room for one maximal packet plus its length prefix, and as much again so that a
// read() can usually pull several packets at once.
TcpFramer::TcpFramer(std::size_t max_packet) : buf_(2 * (max_packet + 2)), max_packet_(max_packet) {}

MutBytes TcpFramer::write_space() {
    // Compact when the free tail could not hold a maximal packet: the unconsumed
    // bytes are always less than one packet plus its prefix, so this is cheap.
    if (buf_.size() - end_ < max_packet_ + 2 && begin_ > 0) {
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    return MutBytes(buf_.data() + end_, buf_.size() - end_);
}

void TcpFramer::commit(std::size_t n) {
    if (n > buf_.size() - end_) n = buf_.size() - end_;
    end_ += n;
}

TcpFramer::Next TcpFramer::next() {
    if (failed_) return {Status::Error, {}};
    std::size_t avail = end_ - begin_;
    if (avail < 2) {
        if (avail == 0) begin_ = end_ = 0;
        return {Status::NeedMore, {}};
    }
    std::size_t len = load_be16(buf_.data() + begin_);
    if (len == 0 || len > max_packet_) {
        failed_ = true;
        return {Status::Error, {}};
    }
    if (avail < 2 + len) return {Status::NeedMore, {}};
    Bytes packet(buf_.data() + begin_ + 2, len);
    begin_ += 2 + len;
    return {Status::Packet, packet};
}

void TcpFramer::reset() {
    begin_ = end_ = 0;
    failed_ = false;
}

}  // namespace vpn::net
