#pragma once
// OpenVPN's TCP framing (openvpn-wire.md §2): every packet is preceded by a 16-bit
// big-endian length.  TcpFramer reassembles packets from an arbitrary byte stream;
// it owns one fixed buffer and never allocates after construction.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/util/bytes.hpp"

namespace vpn::net {

class TcpFramer {
public:
    // `max_packet`: the largest packet we accept; a length of 0 or above it is a
    // protocol error (the stream cannot be resynchronised, the connection must go).
    explicit TcpFramer(std::size_t max_packet);

    // Where the caller should read() new stream bytes into; then call commit(n).
    MutBytes write_space();
    void commit(std::size_t n);

    enum class Status { Packet, NeedMore, Error };
    struct Next {
        Status status;
        Bytes packet;  // valid until the next commit()/write_space()
    };
    // The next complete packet, if any.  After Error the framer stays in error.
    Next next();

    bool failed() const { return failed_; }
    void reset();

private:
    std::vector<std::uint8_t> buf_;
    std::size_t max_packet_;
    std::size_t begin_ = 0;  // first unconsumed byte
    std::size_t end_ = 0;    // one past the last received byte
    bool failed_ = false;
};

// Writes the 2-byte length prefix for a packet of `len` bytes at `dst`.
inline void put_tcp_length(std::uint8_t* dst, std::size_t len) { store_be16(dst, static_cast<std::uint16_t>(len)); }

}  // namespace vpn::net
