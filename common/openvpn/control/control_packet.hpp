#pragma once
// Codec for unwrapped control-channel packets (openvpn-wire.md §5.2; ssl_pkt.c:
// write_control_auth, reliable.c: reliable_ack_parse/reliable_ack_write).  This is
// the packet as it is before tls-auth/tls-crypt wrapping and after unwrapping; with
// no wrapping it is also the wire format.
//
//   offset  size   field
//   0       1      opcode << 3 | key_id
//   1       8      sender's session id (never all-zero)
//   9       1      n = number of acked message ids, 0..8
//   10      4*n    acked message ids, big-endian
//   +       8      receiver's session id            (only when n > 0)
//   +       4      message packet id                (all opcodes but ACK_V1)
//   +       rest   payload (TLS records; reset packets: early-negotiation TLVs)
//
// parse_control() checks every length against the input and returns views into it;
// build_control() writes into a caller buffer.  Neither allocates.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/openvpn/control/opcode.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ovpn::control {

inline constexpr std::size_t kSessionIdLen = 8;  // SID_SIZE
inline constexpr std::size_t kMaxAcks = 8;       // RELIABLE_ACK_SIZE
inline constexpr std::size_t kHeaderLen = 1 + kSessionIdLen;

using SessionId = std::array<std::uint8_t, kSessionIdLen>;

// OpenVPN treats an all-zero session id as "not set" (session_id.h: session_id_defined).
bool is_defined(const SessionId& sid);

// Up to eight acknowledged message ids, in wire order.
class AckList {
public:
    AckList() = default;
    AckList(std::initializer_list<std::uint32_t> ids);  // extra ids beyond 8 are dropped

    std::size_t size() const { return n_; }
    bool empty() const { return n_ == 0; }
    bool full() const { return n_ == kMaxAcks; }
    std::uint32_t operator[](std::size_t i) const { return ids_[i]; }
    std::span<const std::uint32_t> ids() const { return {ids_.data(), n_}; }
    const std::uint32_t* begin() const { return ids_.data(); }
    const std::uint32_t* end() const { return ids_.data() + n_; }
    bool contains(std::uint32_t id) const;

    // Append `id`; false (unchanged) when full.
    bool push(std::uint32_t id);
    void clear() { n_ = 0; }

    friend bool operator==(const AckList& a, const AckList& b);

private:
    std::array<std::uint32_t, kMaxAcks> ids_{};
    std::size_t n_ = 0;
};

struct ControlPacket {
    Opcode op = Opcode::ControlV1;
    std::uint8_t key_id = 0;
    SessionId session_id{};         // the sender's
    AckList acks;                   // ids the sender acknowledges
    SessionId remote_session_id{};  // on the wire iff !acks.empty(): must be the receiver's own id
    std::uint32_t message_id = 0;   // on the wire iff has_message_id(op)
    Bytes payload;                  // parse: points into the parsed buffer
};

enum class ParseError : std::uint8_t {
    Truncated,           // shorter than its own fields say
    NotControl,          // a data-channel opcode or an invalid one (0, 1, 2, 12..31)
    TooManyAcks,         // ack count above 8
    UndefinedSessionId,  // the sender's session id is all-zero
    TrailingBytes,       // ACK_V1 with bytes after its ack record
};

// "truncated", "not-control", "too-many-acks", ...
const char* parse_error_name(ParseError e);

struct ParseResult {
    ControlPacket packet;  // meaningful only when ok()
    std::optional<ParseError> error;
    bool ok() const { return !error; }
};

// Parse an unwrapped control packet.  `plain.size()` is the exact packet length.
// The payload view points into `plain`.  A P_CONTROL_WKC_V1 / HARD_RESET_CLIENT_V3
// body parses like CONTROL_V1 / a reset once its WKc has been split off (see
// tls_crypt.hpp: split_wkc).
ParseResult parse_control(Bytes plain);

// Bytes build_control() writes for `p`.
std::size_t encoded_size(const ControlPacket& p);

// Write `p` into `out`; returns the length, or 0 if `out` is too small or `p.op` is
// not a control opcode.  `p.payload` must not overlap `out`; ACK_V1 ignores it and
// the message id.
std::size_t build_control(const ControlPacket& p, MutBytes out);

// The sender's session id of any control packet, wrapped or not (it is always in
// clear at offset 1); nullopt if `wire` is shorter than 9 bytes.
std::optional<SessionId> peek_session_id(Bytes wire);

// The 24-bit peer id of a P_DATA_V2 packet (bytes 1..3); nullopt if `wire` is
// shorter than 4 bytes or not P_DATA_V2.  0xFFFFFF means "no peer id".
std::optional<std::uint32_t> data_v2_peer_id(Bytes wire);

}  // namespace vpn::ovpn::control
