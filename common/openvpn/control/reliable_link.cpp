#include "common/openvpn/control/reliable_link.hpp"

#include <algorithm>
#include <stdexcept>

namespace vpn::ovpn::control {

ReliableLink::ReliableLink(const SessionId& local, const LinkParams& p)
    : local_(local), params_(p), sender_(p.initial_timeout_ms, p.max_payload), receiver_(p.max_payload) {
    if (!is_defined(local)) throw std::invalid_argument("reliable link: undefined local session id");
    if (p.key_id > kKeyIdMask) throw std::invalid_argument("reliable link: key_id above 7");
}

ReliableLink::Rx ReliableLink::on_packet(const ControlPacket& p) {
    if (p.key_id != params_.key_id) return Rx::WrongKeyId;
    if (remote_ && p.session_id != *remote_) return Rx::WrongSession;
    // reliable.c: reliable_ack_read -- an ack record must name our session.
    if (!p.acks.empty() && p.remote_session_id != local_) return Rx::BadAckSession;
    sender_.on_acks(p.acks);
    if (!has_message_id(p.op)) return Rx::AckOnly;
    switch (receiver_.accept(p.message_id, p.op, p.payload)) {
        case ReliableReceiver::Result::Accepted: return Rx::Accepted;
        case ReliableReceiver::Result::Duplicate: return Rx::Duplicate;
        case ReliableReceiver::Result::OutOfWindow: return Rx::OutOfWindow;
        case ReliableReceiver::Result::NoBuffer: return Rx::NoBuffer;
        case ReliableReceiver::Result::Oversize: return Rx::Oversize;
    }
    return Rx::OutOfWindow;
}

std::size_t ReliableLink::max_packet_size() const {
    const std::size_t acks = std::max(params_.piggyback_acks, params_.ack_packet_acks);
    return kHeaderLen + 1 + 4 * std::min(acks, kMaxAcks) + kSessionIdLen + 4 + params_.max_payload;
}

std::optional<Bytes> ReliableLink::next_packet(std::int64_t now, MutBytes out) {
    if (out.size() < max_packet_size()) throw std::length_error("reliable link: output buffer too small");
    ControlPacket p;
    p.key_id = params_.key_id;
    p.session_id = local_;
    if (auto o = sender_.send_next(now)) {
        p.op = o->op;
        p.message_id = o->id;
        p.payload = o->payload;
        // Acks ride along only once the peer's session is known (a client's first
        // reset has none).
        if (remote_) p.acks = receiver_.acks().take(params_.piggyback_acks);
    } else if (remote_ && receiver_.acks().has_pending()) {
        p.op = Opcode::AckV1;
        p.acks = receiver_.acks().take(params_.ack_packet_acks);
    } else {
        return std::nullopt;
    }
    if (!p.acks.empty()) p.remote_session_id = *remote_;
    const std::size_t n = build_control(p, out);
    return Bytes(out.data(), n);
}

std::optional<std::int64_t> ReliableLink::next_timeout() const {
    if (remote_ && receiver_.acks().has_pending()) return ReliableSender::kImmediately;
    return sender_.next_timeout();
}

const char* rx_name(ReliableLink::Rx r) {
    switch (r) {
        case ReliableLink::Rx::Accepted: return "accepted";
        case ReliableLink::Rx::Duplicate: return "duplicate";
        case ReliableLink::Rx::AckOnly: return "ack-only";
        case ReliableLink::Rx::OutOfWindow: return "out-of-window";
        case ReliableLink::Rx::NoBuffer: return "no-buffer";
        case ReliableLink::Rx::Oversize: return "oversize";
        case ReliableLink::Rx::WrongKeyId: return "wrong-key-id";
        case ReliableLink::Rx::WrongSession: return "wrong-session";
        case ReliableLink::Rx::BadAckSession: return "bad-ack-session";
    }
    return "?";
}

}  // namespace vpn::ovpn::control
