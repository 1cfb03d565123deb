#include "common/openvpn/control/opcode.hpp"

namespace vpn::ovpn::control {

Header classify(std::uint8_t first_byte) {
    const auto raw = static_cast<std::uint8_t>(first_byte >> kOpcodeShift);
    const auto key_id = static_cast<std::uint8_t>(first_byte & kKeyIdMask);
    const auto op = static_cast<Opcode>(raw);
    switch (op) {
        case Opcode::DataV1:
        case Opcode::DataV2:
            return {PacketKind::Data, op, key_id};
        case Opcode::SoftResetV1:
        case Opcode::ControlV1:
        case Opcode::AckV1:
        case Opcode::HardResetClientV2:
        case Opcode::HardResetServerV2:
        case Opcode::HardResetClientV3:
        case Opcode::ControlWkcV1:
            return {PacketKind::Control, op, key_id};
        case Opcode::HardResetClientV1:  // key-method 1: gone since 2.5 (ssl_pkt.h: P_FIRST_OPCODE)
        case Opcode::HardResetServerV1:
            break;
    }
    return {PacketKind::Invalid, op, key_id};
}

const char* opcode_name(Opcode op) {
    switch (op) {
        case Opcode::HardResetClientV1: return "P_CONTROL_HARD_RESET_CLIENT_V1";
        case Opcode::HardResetServerV1: return "P_CONTROL_HARD_RESET_SERVER_V1";
        case Opcode::SoftResetV1: return "P_CONTROL_SOFT_RESET_V1";
        case Opcode::ControlV1: return "P_CONTROL_V1";
        case Opcode::AckV1: return "P_ACK_V1";
        case Opcode::DataV1: return "P_DATA_V1";
        case Opcode::HardResetClientV2: return "P_CONTROL_HARD_RESET_CLIENT_V2";
        case Opcode::HardResetServerV2: return "P_CONTROL_HARD_RESET_SERVER_V2";
        case Opcode::DataV2: return "P_DATA_V2";
        case Opcode::HardResetClientV3: return "P_CONTROL_HARD_RESET_CLIENT_V3";
        case Opcode::ControlWkcV1: return "P_CONTROL_WKC_V1";
    }
    return "P_???";
}

}  // namespace vpn::ovpn::control
