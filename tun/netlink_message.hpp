#pragma once
// A bounded builder for one netlink request and a checked reader for the attributes of
// a reply.  Layout (netlink(7), rtnetlink(7)); all integers in host byte order except
// address payloads, which are network order:
//
//   nlmsghdr (16) | family header (ifinfomsg / ifaddrmsg / rtmsg) | rtattr TLVs ...
//   rtattr: u16 rta_len (header + payload, unpadded) | u16 rta_type | payload | pad to 4
//
// The builder owns a fixed buffer (no allocation) and throws TunError rather than write
// past it; the reader never trusts a length it has not checked against the span.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <type_traits>

#include "common/util/bytes.hpp"
#include "tun/ipv4.hpp"

namespace vpn::tun {

class NetlinkMessage {
public:
    static constexpr std::size_t kCapacity = 512;  // our requests are < 100 bytes

    // Starts a message: header only, nlmsg_seq = nlmsg_pid = 0.
    NetlinkMessage(std::uint16_t type, std::uint16_t flags);

    // Appends the fixed family header (must come right after nlmsghdr, before attributes).
    template <class T>
    void put_header(const T& fixed) {
        static_assert(std::is_trivially_copyable_v<T>);
        put_raw(&fixed, sizeof fixed);
    }

    // Appends one attribute; the payload is copied as is and padded to 4 bytes.
    void put_attr(std::uint16_t type, Bytes payload);
    void put_u32(std::uint16_t type, std::uint32_t value);  // host order
    void put_ipv4(std::uint16_t type, Ipv4 addr);           // network order
    void put_string(std::uint16_t type, std::string_view s);  // NUL-terminated

    // Nested attribute: begin returns a token that end() needs to patch the length.
    std::size_t begin_nested(std::uint16_t type);
    void end_nested(std::size_t token);

    void set_seq(std::uint32_t seq);
    void set_flags(std::uint16_t flags);
    std::uint16_t type() const;
    std::uint16_t flags() const;

    // The finished message (nlmsg_len equals bytes().size()).
    Bytes bytes() const { return Bytes(buf_.data(), size_); }

private:
    void put_raw(const void* data, std::size_t len);
    void pad();
    void update_length();

    alignas(4) std::array<std::uint8_t, kCapacity> buf_{};
    std::size_t size_ = 0;
};

// One attribute seen by AttrReader; `type` has NLA_F_NESTED / NLA_F_NET_BYTEORDER masked off.
struct NetlinkAttr {
    std::uint16_t type;
    Bytes payload;

    std::optional<std::uint32_t> as_u32() const;  // nullopt unless exactly 4 bytes
    std::optional<Ipv4> as_ipv4() const;          // nullopt unless exactly 4 bytes
    std::string_view as_string() const;           // up to the first NUL or payload end
};

// Walks the attributes in `data` (the part of a message after its family header).
// next() returns nullopt at the end or at the first malformed attribute (a length shorter
// than the rtattr header or longer than what is left); malformed() then tells which.
class AttrReader {
public:
    explicit AttrReader(Bytes data) : data_(data) {}
    std::optional<NetlinkAttr> next();
    bool malformed() const { return malformed_; }

private:
    Bytes data_;
    bool malformed_ = false;
};

// Reads a trivially-copyable family header from the start of `payload`; nullopt if short.
template <class T>
std::optional<T> read_header(Bytes payload) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (payload.size() < sizeof(T)) return std::nullopt;
    T out;
    std::memcpy(&out, payload.data(), sizeof out);
    return out;
}

}  // namespace vpn::tun
