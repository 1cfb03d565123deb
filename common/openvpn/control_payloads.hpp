#pragma once
// Keepalive pings and OCC messages: data-channel payloads that never reach the tun
// device (openvpn-wire.md §8.7, §8.9; ping.c, occ.c).  They are recognised after
// decryption and decompression framing.
//
//   ping:  exactly the 16-byte ping magic
//   OCC:   16-byte OCC magic | opcode (1) | body
//            OCC_REQUEST (0): no body          OCC_REPLY (1): options string + NUL
//            OCC_MTU_LOAD_REQUEST (2): u16     OCC_MTU_LOAD (3): filler
//            OCC_MTU_REQUEST (4)               OCC_MTU_REPLY (5): u16 recv, u16 send
//            OCC_EXIT (6): no body
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/util/bytes.hpp"

namespace vpn::ovpn {

inline constexpr std::array<std::uint8_t, 16> kPingMagic = {
    0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb, 0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48};
inline constexpr std::array<std::uint8_t, 16> kOccMagic = {
    0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81, 0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c};

enum class OccOp : std::uint8_t {
    Request = 0,
    Reply = 1,
    MtuLoadRequest = 2,
    MtuLoad = 3,
    MtuRequest = 4,
    MtuReply = 5,
    Exit = 6,
    Unknown = 0xff,  // parse_occ: opcode missing or not one of the above
};

// OCC_INTERVAL_SECONDS / OCC_N_TRIES: request every 10 s until a reply, at most 12 times.
inline constexpr int kOccIntervalSeconds = 10;
inline constexpr int kOccTries = 12;

enum class PayloadKind { Data, Ping, Occ };

// Ping: exactly the ping magic (is_ping_msg).  Occ: starts with the OCC magic
// (is_occ_msg; the opcode may be missing -- see occ_opcode).  Anything else: Data.
PayloadKind classify(Bytes payload);

// The opcode byte of an OCC payload; nullopt if there is none (payload of exactly
// 16 bytes) or `payload` is not OCC.  Unknown opcode values are returned as-is:
// OpenVPN ignores them.
std::optional<std::uint8_t> occ_opcode(Bytes payload);

// The body after magic and opcode (empty if none).
Bytes occ_body(Bytes payload);

// The options string of an OCC_REPLY, without its NUL; nullopt unless `payload` is an
// OCC_REPLY whose body holds a NUL (options_cmp_equal_safe refuses unterminated ones).
std::optional<std::string_view> occ_reply_string(Bytes payload);

// A parsed OCC payload (occ.c: process_received_occ_msg).
struct OccMessage {
    OccOp op = OccOp::Unknown;
    std::string_view options;  // OCC_REPLY: the options string up to its NUL (the whole
                               // body if the peer sent none), pointing into the payload
};
// `payload` should be classified Occ; anything else gives op = Unknown.
OccMessage parse_occ(Bytes payload);

// Builders.  Each writes into `out` and returns the payload length, or 0 if `out` is
// too small.  They build the bare payload; compression framing comes after.
std::size_t build_ping(MutBytes out);                                // 16 bytes
std::size_t build_occ(MutBytes out, OccOp op);                       // 17 bytes (Request, MtuRequest, Exit)
std::size_t build_occ_reply(MutBytes out, std::string_view options);  // 17 + size + 1 (NUL)
inline std::size_t build_occ_request(MutBytes out) { return build_occ(out, OccOp::Request); }
inline std::size_t build_occ_exit(MutBytes out) { return build_occ(out, OccOp::Exit); }

}  // namespace vpn::ovpn
