#pragma once
// The first byte of every TLS-mode OpenVPN packet: opcode (high 5 bits) and key_id
// (low 3 bits) (openvpn-wire.md §5.1; ssl_pkt.h).
//
//   opcode  name                          use
//   1, 2    HARD_RESET_CLIENT/SERVER_V1   key-method 1, unsupported (rejected)
//   3       SOFT_RESET_V1                 start of a renegotiation (new key_id)
//   4       CONTROL_V1                    reliable packet carrying TLS records
//   5       ACK_V1                        acknowledgements only
//   6       DATA_V1                       data channel
//   7       HARD_RESET_CLIENT_V2          first client packet
//   8       HARD_RESET_SERVER_V2          first server packet
//   9       DATA_V2                       data channel with peer-id
//   10      HARD_RESET_CLIENT_V3          first client packet, tls-crypt-v2 (+WKc)
//   11      CONTROL_WKC_V1                CONTROL_V1 + appended WKc (tls-crypt-v2)
#include <cstdint>
#include <optional>

namespace vpn::ovpn::control {

enum class Opcode : std::uint8_t {
    HardResetClientV1 = 1,
    HardResetServerV1 = 2,
    SoftResetV1 = 3,
    ControlV1 = 4,
    AckV1 = 5,
    DataV1 = 6,
    HardResetClientV2 = 7,
    HardResetServerV2 = 8,
    DataV2 = 9,
    HardResetClientV3 = 10,
    ControlWkcV1 = 11,
};

inline constexpr int kOpcodeShift = 3;
inline constexpr std::uint8_t kKeyIdMask = 0x07;

// What a received first byte is.
enum class PacketKind : std::uint8_t {
    Control,  // opcodes 3, 4, 5, 7, 8, 10, 11: control channel
    Data,     // P_DATA_V1 / P_DATA_V2: data channel
    Invalid,  // 0, key-method-1 resets (1, 2) and 12..31
};

struct Header {
    PacketKind kind;
    Opcode op;            // meaningful unless kind == Invalid
    std::uint8_t key_id;  // 0..7
};

// Split and classify a first byte.  Never fails; unknown opcodes give Invalid.
Header classify(std::uint8_t first_byte);

constexpr std::uint8_t first_byte(Opcode op, std::uint8_t key_id) {
    return static_cast<std::uint8_t>((static_cast<std::uint8_t>(op) << kOpcodeShift) | (key_id & kKeyIdMask));
}

// HARD_RESET_CLIENT_V2/V3 and HARD_RESET_SERVER_V2 (ssl.c: is_hard_reset_method2).
constexpr bool is_hard_reset(Opcode op) {
    return op == Opcode::HardResetClientV2 || op == Opcode::HardResetClientV3 ||
           op == Opcode::HardResetServerV2;
}
// Opcodes that carry a message packet id (everything in the control set but ACK_V1).
constexpr bool has_message_id(Opcode op) { return op != Opcode::AckV1; }
// Opcodes with a tls-crypt-v2 wrapped client key appended after the wrapped packet.
constexpr bool carries_wkc(Opcode op) {
    return op == Opcode::HardResetClientV3 || op == Opcode::ControlWkcV1;
}

// "P_CONTROL_V1", "P_ACK_V1", ... as OpenVPN logs them (ssl_pkt.h:
// packet_opcode_name); "P_???" for unknown values.
const char* opcode_name(Opcode op);

}  // namespace vpn::ovpn::control
