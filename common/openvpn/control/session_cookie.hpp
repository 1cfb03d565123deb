#pragma once
// OpenVPN 2.6's stateless UDP server handshake (openvpn-wire.md §5.7; mudp.c:
// do_pre_decrypt_check, send_hmac_reset_packet; ssl_pkt.c:
// calculate_session_id_hmac, check_session_hmac_and_pkt_id, tls_reset_standalone).
//
// A server answers a client's HARD_RESET_CLIENT_V2 without keeping any state: its
// session id is a MAC of the client, so the client's next packet (which must ack
// the server reset, naming that session id) proves the client saw the reply.
//
//   server session id = HMAC-SHA256(K, be32(slot) | peer address | client session id)[0..7]
//   slot              = now / ((hand_window + 1) / 2)      (Unix seconds)
//
// The key K is random per process, so the exact input is our own business; we use
// OpenVPN's (the raw sockaddr_in/sockaddr_in6 bytes as the peer), which lets its
// unit-test vector check us.  Clients see nothing special: the reply is an ordinary
// HARD_RESET_SERVER_V2 (acks [0], message id 0, wrap packet id 1).
#include <cstddef>
#include <cstdint>

#include "common/crypto/hmac.hpp"
#include "common/openvpn/control/control_packet.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ovpn::control {

class SessionCookie {
public:
    static constexpr std::size_t kKeyLen = 32;
    static constexpr std::size_t kMaxPeerLen = 128;  // sizeof(sockaddr_storage)

    // A fresh random key from the private DRBG (ssl_pkt.c: session_id_hmac_init).
    // Throws crypto::CryptoError if the DRBG fails.
    SessionCookie();
    // A fixed key (>= 32 bytes, first 32 used), for tests.
    explicit SessionCookie(Bytes key);

    // The server session id for `client` at `peer` (its raw socket address bytes,
    // at most 128), in the time slot of `now` shifted by `offset` slots.
    // `hand_window`: --hand-window seconds (values below 1 count as 1).
    // Throws std::invalid_argument for a peer address longer than 128 bytes.
    SessionId server_session_id(const SessionId& client, Bytes peer, std::int64_t now, int hand_window,
                                int offset = 0);

    // Does `p` (an authenticated packet from an unknown peer) complete a stateless
    // handshake?  True iff it is P_CONTROL_V1, P_ACK_V1 or P_CONTROL_WKC_V1 with
    // key_id 0, its acks are non-empty and all <= 1, its message id (if any) is <= 1,
    // and its ack record names the session id we would have given it in the current
    // slot or one of the two before (valid 60..90 s with hand-window 60).
    bool verify(const ControlPacket& p, Bytes peer, std::int64_t now, int hand_window);

private:
    crypto::Hmac hmac_;
};

// The stateless reply to a client's reset (ssl_pkt.c: tls_reset_standalone):
// HARD_RESET_SERVER_V2, key_id 0, session id `server`, acks [0] naming `client`,
// message id 0, payload `early_neg` (empty, or the TLV from reset_packet.hpp).
// Wrap it with a wrap whose send position was set to (0, 0), so it carries packet
// id 1 (mudp.c: send_hmac_reset_packet).
ControlPacket stateless_reset_reply(const SessionId& server, const SessionId& client, Bytes early_neg = {});

}  // namespace vpn::ovpn::control
