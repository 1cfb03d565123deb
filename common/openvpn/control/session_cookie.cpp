#include "common/openvpn/control/session_cookie.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

#include "common/crypto/algorithms.hpp"
#include "common/crypto/random.hpp"
#include "common/crypto/secure_buffer.hpp"

namespace vpn::ovpn::control {
namespace {

crypto::Hmac make_hmac(Bytes key) {
    if (key.size() < SessionCookie::kKeyLen) throw std::invalid_argument("session cookie: key too short");
    return crypto::Hmac(crypto::DigestAlgorithm::fetch("SHA256"), key.first(SessionCookie::kKeyLen));
}

crypto::Hmac random_hmac() {
    crypto::SecureBuffer key(SessionCookie::kKeyLen);
    crypto::random_priv_bytes(key.span());
    return make_hmac(key.span());
}

}  // namespace

SessionCookie::SessionCookie() : hmac_(random_hmac()) {}

SessionCookie::SessionCookie(Bytes key) : hmac_(make_hmac(key)) {}

SessionId SessionCookie::server_session_id(const SessionId& client, Bytes peer, std::int64_t now,
                                           int hand_window, int offset) {
    if (peer.size() > kMaxPeerLen) throw std::invalid_argument("session cookie: peer address too long");
    // (handwindow + 1) / 2 as in calculate_session_id_hmac; guarded against 0 so a
    // hand-window of 0 cannot divide by zero.
    const std::int64_t slot_len = std::max<std::int64_t>(1, (static_cast<std::int64_t>(hand_window) + 1) / 2);
    const auto slot = static_cast<std::uint32_t>(now / slot_len + offset);

    std::array<std::uint8_t, 4 + kMaxPeerLen + kSessionIdLen> in{};
    store_be32(in.data(), slot);  // OpenVPN feeds the slot in network byte order
    if (!peer.empty()) std::memcpy(in.data() + 4, peer.data(), peer.size());
    std::memcpy(in.data() + 4 + peer.size(), client.data(), kSessionIdLen);

    std::uint8_t mac[32];
    SessionId sid{};
    if (hmac_.compute(Bytes(in.data(), 4 + peer.size() + kSessionIdLen), mac))
        std::memcpy(sid.data(), mac, kSessionIdLen);
    // An HMAC failure leaves the id all-zero, which verify() can never match.
    return sid;
}

bool SessionCookie::verify(const ControlPacket& p, Bytes peer, std::int64_t now, int hand_window) {
    if (p.op != Opcode::ControlV1 && p.op != Opcode::AckV1 && p.op != Opcode::ControlWkcV1) return false;
    if (p.key_id != 0 || p.acks.empty() || peer.size() > kMaxPeerLen) return false;
    // Anything beyond the three-way handshake must not create a session.
    for (auto id : p.acks)
        if (id > 1) return false;
    if (has_message_id(p.op) && p.message_id > 1) return false;
    for (int offset = -2; offset <= 0; ++offset) {
        const SessionId expect = server_session_id(p.session_id, peer, now, hand_window, offset);
        if (is_defined(expect) && CRYPTO_memcmp(expect.data(), p.remote_session_id.data(), kSessionIdLen) == 0)
            return true;
    }
    return false;
}

ControlPacket stateless_reset_reply(const SessionId& server, const SessionId& client, Bytes early_neg) {
    ControlPacket p;
    p.op = Opcode::HardResetServerV2;
    p.key_id = 0;
    p.session_id = server;
    p.acks.push(0);  // the client's reset is always message 0
    p.remote_session_id = client;
    p.message_id = 0;
    p.payload = early_neg;
    return p;
}

}  // namespace vpn::ovpn::control
