#include "common/openvpn/control/control_packet.hpp"

#include <algorithm>
#include <cstring>

namespace vpn::ovpn::control {

bool is_defined(const SessionId& sid) {
    return std::any_of(sid.begin(), sid.end(), [](std::uint8_t b) { return b != 0; });
}

AckList::AckList(std::initializer_list<std::uint32_t> ids) {
    for (auto id : ids) push(id);
}

bool AckList::contains(std::uint32_t id) const {
    return std::find(begin(), end(), id) != end();
}

bool AckList::push(std::uint32_t id) {
    if (full()) return false;
    ids_[n_++] = id;
    return true;
}

bool operator==(const AckList& a, const AckList& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

const char* parse_error_name(ParseError e) {
    switch (e) {
        case ParseError::Truncated: return "truncated";
        case ParseError::NotControl: return "not-control";
        case ParseError::TooManyAcks: return "too-many-acks";
        case ParseError::UndefinedSessionId: return "undefined-session-id";
        case ParseError::TrailingBytes: return "trailing-bytes";
    }
    return "?";
}

ParseResult parse_control(Bytes plain) {
    ParseResult r;
    auto fail = [&r](ParseError e) {
        r.error = e;
        return r;
    };
    if (plain.empty()) return fail(ParseError::Truncated);
    const Header h = classify(plain[0]);
    if (h.kind != PacketKind::Control) return fail(ParseError::NotControl);
    ControlPacket& p = r.packet;
    p.op = h.op;
    p.key_id = h.key_id;

    // Every read below is preceded by a check of what is left.
    std::size_t pos = 1;
    auto left = [&] { return plain.size() - pos; };
    if (left() < kSessionIdLen) return fail(ParseError::Truncated);
    std::memcpy(p.session_id.data(), plain.data() + pos, kSessionIdLen);
    pos += kSessionIdLen;
    // ssl.c: tls_pre_decrypt -- "session-id not found in packet".
    if (!is_defined(p.session_id)) return fail(ParseError::UndefinedSessionId);

    if (left() < 1) return fail(ParseError::Truncated);
    const std::size_t n = plain[pos++];
    // reliable.c: reliable_ack_parse refuses more than RELIABLE_ACK_SIZE.
    if (n > kMaxAcks) return fail(ParseError::TooManyAcks);
    if (left() < 4 * n) return fail(ParseError::Truncated);
    for (std::size_t i = 0; i < n; ++i, pos += 4) p.acks.push(load_be32(plain.data() + pos));
    if (n > 0) {
        if (left() < kSessionIdLen) return fail(ParseError::Truncated);
        std::memcpy(p.remote_session_id.data(), plain.data() + pos, kSessionIdLen);
        pos += kSessionIdLen;
    }
    if (has_message_id(p.op)) {
        if (left() < 4) return fail(ParseError::Truncated);
        p.message_id = load_be32(plain.data() + pos);
        pos += 4;
    } else if (left() != 0) {
        // Stock peers never put anything after an ACK_V1's ack record; OpenVPN
        // would ignore it, we refuse it so every byte of a packet has a meaning.
        return fail(ParseError::TrailingBytes);
    }
    p.payload = plain.subspan(pos);
    return r;
}

std::size_t encoded_size(const ControlPacket& p) {
    std::size_t n = kHeaderLen + 1 + 4 * p.acks.size();
    if (!p.acks.empty()) n += kSessionIdLen;
    if (has_message_id(p.op)) n += 4 + p.payload.size();
    return n;
}

std::size_t build_control(const ControlPacket& p, MutBytes out) {
    if (classify(first_byte(p.op, p.key_id)).kind != PacketKind::Control) return 0;
    const std::size_t total = encoded_size(p);
    if (out.size() < total) return 0;
    std::uint8_t* w = out.data();
    *w++ = first_byte(p.op, p.key_id);
    std::memcpy(w, p.session_id.data(), kSessionIdLen);
    w += kSessionIdLen;
    *w++ = static_cast<std::uint8_t>(p.acks.size());
    for (auto id : p.acks) {
        store_be32(w, id);
        w += 4;
    }
    if (!p.acks.empty()) {
        std::memcpy(w, p.remote_session_id.data(), kSessionIdLen);
        w += kSessionIdLen;
    }
    if (has_message_id(p.op)) {
        store_be32(w, p.message_id);
        w += 4;
        if (!p.payload.empty()) std::memcpy(w, p.payload.data(), p.payload.size());
    }
    return total;
}

std::optional<SessionId> peek_session_id(Bytes wire) {
    if (wire.size() < kHeaderLen) return std::nullopt;
    SessionId sid;
    std::memcpy(sid.data(), wire.data() + 1, kSessionIdLen);
    return sid;
}

std::optional<std::uint32_t> data_v2_peer_id(Bytes wire) {
    if (wire.size() < 4 || classify(wire[0]).op != Opcode::DataV2) return std::nullopt;
    return (std::uint32_t(wire[1]) << 16) | (std::uint32_t(wire[2]) << 8) | wire[3];
}

}  // namespace vpn::ovpn::control
