#pragma once
// Checks for the packets that open a session or a key state, and the 2.6
// early-negotiation TLVs their payload may carry (openvpn-wire.md §5.6, §5.7, §5.8;
// ssl_pkt.c: tls_pre_decrypt_lite; ssl.c: tls_pre_decrypt,
// parse_early_negotiation_tlvs; ssl_pkt.h: EARLY_NEG_*, TLV_TYPE_EARLY_NEG_FLAGS).
//
// Two steps, cheapest first:
//   1. classify_first_packet(wire): on the raw datagram from an unknown peer, before
//      any crypto -- length, opcode allowed for a new session, key_id 0, session id.
//   2. validate_reset(packet): after unwrap + parse -- direction, key_id, message
//      id 0, well-formed TLVs.
//
// Early negotiation: a reset's payload is a list of TLVs, type(2) | length(2) |
// value.  Unknown types are skipped; EARLY_NEG_FLAGS (type 1) must have length 2;
// its flag RESEND_WKC (1) asks a tls-crypt-v2 client to send its wrapped key again
// in P_CONTROL_WKC_V1.  A tls-crypt-v2 client announces support by starting its
// wrap packet ids at 0x0f000000.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/openvpn/control/control_packet.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ovpn::control {

inline constexpr std::uint16_t kTlvEarlyNegFlags = 0x0001;   // TLV_TYPE_EARLY_NEG_FLAGS
inline constexpr std::uint16_t kEarlyNegResendWkc = 0x0001;  // EARLY_NEG_FLAG_RESEND_WKC
inline constexpr std::uint32_t kEarlyNegStart = 0x0f000000;  // EARLY_NEG_START
inline constexpr std::uint32_t kEarlyNegMask = 0xff000000;   // EARLY_NEG_MASK

struct EarlyNegotiation {
    bool resend_wkc = false;
};

// Parse a reset payload.  nullopt if malformed (a record shorter than its header or
// its length, or a flags record whose length is not 2) -- OpenVPN then fails the
// handshake.  An empty payload is valid and means no flags.
std::optional<EarlyNegotiation> parse_early_negotiation(Bytes payload);

// The payload a reset should carry: empty without flags, else the 6-byte flags TLV
// (00 01 | 00 02 | 00 01 for resend_wkc).  Returns the length, 0 also if `out` is
// smaller than 6 while a TLV is needed (check wants_payload()).
std::size_t build_early_negotiation(const EarlyNegotiation& e, MutBytes out);

// True if a tls-crypt-v2 client's first wrap packet id announces early-negotiation
// support (mudp.c: do_pre_decrypt_check -- the high byte has 0x0f set).
bool announces_early_negotiation(std::uint32_t replay_id);

enum class Role : std::uint8_t { Client, Server };

// What a datagram from a peer without a session may be (ssl_pkt.h:
// first_packet_verdict).  A server accepts the client's reset, and -- for the
// stateless handshake -- the client's next CONTROL_V1 / ACK_V1 / CONTROL_WKC_V1; a
// client only a HARD_RESET_SERVER_V2.  Anything else, a key_id other than 0, fewer
// than 9 bytes or an all-zero session id gives Invalid.  Looks at 9 bytes only.
enum class FirstPacket : std::uint8_t { ResetV2, ResetV3, ServerReset, ControlV1, AckV1, WkcV1, Invalid };
FirstPacket classify_first_packet(Bytes wire, Role our_role);

enum class ResetError : std::uint8_t {
    NotReset,          // not a hard or soft reset
    WrongDirection,    // client->client or server->server (ssl.c: tls_pre_decrypt)
    BadKeyId,          // hard reset with key_id != 0, soft reset with key_id 0
    BadMessageId,      // a reset is always message 0 of its key state
    BadEarlyNegotiation,
};
const char* reset_error_name(ResetError e);

struct ResetCheck {
    std::optional<ResetError> error;
    EarlyNegotiation early;  // hard resets: the flags the peer sent
    bool ok() const { return !error; }
};

// Validate a parsed hard reset (HARD_RESET_CLIENT_V2/V3 for a server,
// HARD_RESET_SERVER_V2 for a client) or soft reset.  The TLVs of a hard reset's
// payload are parsed; a soft reset's payload is not looked at (OpenVPN feeds it to
// TLS, where an empty one is a no-op).
ResetCheck validate_reset(const ControlPacket& p, Role our_role);

}  // namespace vpn::ovpn::control
