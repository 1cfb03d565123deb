#include "common/openvpn/session/stateless_gate.hpp"

#include "common/openvpn/control/reset_packet.hpp"

namespace vpn::ovpn::session {

using control::FirstPacket;

StatelessGate::StatelessGate(const WrapConfig& wrap, int hand_window_s)
    : wrap_(make_control_wrap(wrap, true)), hand_window_s_(hand_window_s), plain_(4096), out_(256), wire_(512) {}

StatelessGate::StatelessGate(const WrapConfig& wrap, int hand_window_s, Bytes cookie_key)
    : wrap_(make_control_wrap(wrap, true)), cookie_(cookie_key), hand_window_s_(hand_window_s), plain_(4096),
      out_(256), wire_(512) {}

StatelessGate::Result StatelessGate::on_packet(Bytes wire, Bytes peer, std::int64_t now_s) {
    Result res;
    // Cheapest checks first, before any crypto (ssl_pkt.c: tls_pre_decrypt_lite).
    const FirstPacket fp = control::classify_first_packet(wire, control::Role::Server);
    if (fp != FirstPacket::ResetV2 && fp != FirstPacket::ControlV1 && fp != FirstPacket::AckV1) return res;
    if (peer.size() > control::SessionCookie::kMaxPeerLen) return res;

    auto u = wrap_.unwrap(wire, plain_, now_s, control::ReplayCheck::Skip);
    if (!u.ok) return res;
    auto parsed = control::parse_control(u.packet);
    if (!parsed.ok()) return res;
    const control::ControlPacket& p = parsed.packet;

    if (fp == FirstPacket::ResetV2) {
        if (!control::validate_reset(p, control::Role::Server).ok()) return res;
        const control::SessionId sid = cookie_.server_session_id(p.session_id, peer, now_s, hand_window_s_);
        const control::ControlPacket reply = control::stateless_reset_reply(sid, p.session_id);
        const std::size_t n = control::build_control(reply, out_);
        if (n == 0) return res;
        // mudp.c: send_hmac_reset_packet -- every stateless reply carries packet id 1.
        wrap_.set_send_position(0, 0);
        const std::size_t w = wrap_.wrap(Bytes(out_.data(), n), wire_, now_s);
        if (w == 0) return res;
        res.kind = Result::Kind::Reply;
        res.reply.assign(wire_.begin(), wire_.begin() + static_cast<std::ptrdiff_t>(w));
        return res;
    }
    if (!cookie_.verify(p, peer, now_s, hand_window_s_)) return res;
    res.kind = Result::Kind::Accept;
    res.server_sid = p.remote_session_id;
    res.client_sid = p.session_id;
    return res;
}

}  // namespace vpn::ovpn::session
