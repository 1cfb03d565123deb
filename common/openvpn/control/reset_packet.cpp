#include "common/openvpn/control/reset_packet.hpp"

namespace vpn::ovpn::control {

std::optional<EarlyNegotiation> parse_early_negotiation(Bytes payload) {
    EarlyNegotiation e;
    std::size_t pos = 0;
    while (pos < payload.size()) {
        if (payload.size() - pos < 4) return std::nullopt;
        const std::uint16_t type = load_be16(payload.data() + pos);
        const std::uint16_t len = load_be16(payload.data() + pos + 2);
        pos += 4;
        if (payload.size() - pos < len) return std::nullopt;
        if (type == kTlvEarlyNegFlags) {
            if (len != 2) return std::nullopt;
            if (load_be16(payload.data() + pos) & kEarlyNegResendWkc) e.resend_wkc = true;
        }
        pos += len;  // unknown types are skipped, as in parse_early_negotiation_tlvs
    }
    return e;
}

std::size_t build_early_negotiation(const EarlyNegotiation& e, MutBytes out) {
    if (!e.resend_wkc || out.size() < 6) return 0;
    store_be16(out.data(), kTlvEarlyNegFlags);
    store_be16(out.data() + 2, 2);
    store_be16(out.data() + 4, kEarlyNegResendWkc);
    return 6;
}

bool announces_early_negotiation(std::uint32_t replay_id) {
    return ((replay_id & kEarlyNegMask) & kEarlyNegStart) == kEarlyNegStart;
}

FirstPacket classify_first_packet(Bytes wire, Role our_role) {
    const auto sid = peek_session_id(wire);
    if (!sid || !is_defined(*sid)) return FirstPacket::Invalid;
    const Header h = classify(wire[0]);
    if (h.kind != PacketKind::Control || h.key_id != 0) return FirstPacket::Invalid;
    if (our_role == Role::Client) return h.op == Opcode::HardResetServerV2 ? FirstPacket::ServerReset : FirstPacket::Invalid;
    switch (h.op) {
        case Opcode::HardResetClientV2: return FirstPacket::ResetV2;
        case Opcode::HardResetClientV3: return FirstPacket::ResetV3;
        case Opcode::ControlV1: return FirstPacket::ControlV1;
        case Opcode::AckV1: return FirstPacket::AckV1;
        case Opcode::ControlWkcV1: return FirstPacket::WkcV1;
        default: return FirstPacket::Invalid;
    }
}

const char* reset_error_name(ResetError e) {
    switch (e) {
        case ResetError::NotReset: return "not a reset";
        case ResetError::WrongDirection: return "client->client or server->server connection attempted";
        case ResetError::BadKeyId: return "bad key_id for a reset";
        case ResetError::BadMessageId: return "reset with a message id other than 0";
        case ResetError::BadEarlyNegotiation: return "early negotiation malformed packet";
    }
    return "?";
}

ResetCheck validate_reset(const ControlPacket& p, Role our_role) {
    ResetCheck r;
    if (p.op == Opcode::SoftResetV1) {
        // key_id 0 is never reused (ssl.c: key_state_init wraps 7 -> 1).
        if (p.key_id == 0) r.error = ResetError::BadKeyId;
        else if (p.message_id != 0) r.error = ResetError::BadMessageId;
        return r;
    }
    if (!is_hard_reset(p.op)) {
        r.error = ResetError::NotReset;
        return r;
    }
    const bool from_client = p.op != Opcode::HardResetServerV2;
    if (from_client != (our_role == Role::Server)) {
        r.error = ResetError::WrongDirection;
        return r;
    }
    if (p.key_id != 0) {
        r.error = ResetError::BadKeyId;
        return r;
    }
    // ssl.c: tls_pre_decrypt ignores a hard reset whose id is not 0.
    if (p.message_id != 0) {
        r.error = ResetError::BadMessageId;
        return r;
    }
    auto e = parse_early_negotiation(p.payload);
    if (!e) {
        r.error = ResetError::BadEarlyNegotiation;
        return r;
    }
    r.early = *e;
    return r;
}

}  // namespace vpn::ovpn::control
