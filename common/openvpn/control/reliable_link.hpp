#pragma once
// One key state's reliable control stream: a ReliableSender and a ReliableReceiver
// joined the way OpenVPN 2.6 joins them (openvpn-wire.md §5.5; ssl.c: tls_process,
// tls_process_state, tls_pre_decrypt; ssl_pkt.c: write_control_auth), working on
// unwrapped control packets.  Sans-IO: the caller unwraps what arrives, hands it to
// on_packet(), and after every event drains next_packet() and wraps/sends each
// packet; next_timeout() says when to call next_packet() again.
//
//   outgoing:  due messages first, lowest id first, each carrying up to 4 acks
//              (CONTROL_SEND_ACK_MAX); then, if acks are still owed, one P_ACK_V1
//              with up to 8 (RELIABLE_ACK_SIZE).
//   incoming:  key_id and session ids checked, acks applied to the sender, the
//              message (if any) to the receiver; deliver with front()/pop().
//
// Used unchanged over TCP, as OpenVPN does (acks still flow; retransmissions are
// merely redundant there).
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/openvpn/control/control_packet.hpp"
#include "common/openvpn/control/reliable_receiver.hpp"
#include "common/openvpn/control/reliable_sender.hpp"

namespace vpn::ovpn::control {

struct LinkParams {
    std::uint8_t key_id = 0;
    std::int64_t initial_timeout_ms = ReliableSender::kDefaultTimeoutMs;  // --tls-timeout
    std::size_t max_payload = ReliableSender::kMaxPayload;
    std::size_t piggyback_acks = 4;   // ssl.h: CONTROL_SEND_ACK_MAX
    std::size_t ack_packet_acks = 8;  // RELIABLE_ACK_SIZE; 4 for a client without
                                      // tls-auth/tls-crypt/EKM (SoftEther workaround,
                                      // ssl_pkt.c: write_control_auth)
};

class ReliableLink {
public:
    // `local`: our session id (defined).  Throws std::invalid_argument for an
    // undefined id, a key_id above 7 or a zero timeout.
    explicit ReliableLink(const SessionId& local, const LinkParams& p = {});

    const SessionId& local_session() const { return local_; }
    const std::optional<SessionId>& remote_session() const { return remote_; }
    // The peer's session id, learnt from its reset.  Packets from another session
    // are refused from then on; acks can only be sent once it is known.
    void set_remote_session(const SessionId& remote) { remote_ = remote; }
    std::uint8_t key_id() const { return params_.key_id; }

    // Queue a message (reset, TLS records); see ReliableSender::queue.
    std::optional<std::uint32_t> queue(Opcode op, Bytes payload) { return sender_.queue(op, payload); }

    enum class Rx : std::uint8_t {
        Accepted,      // new message stored (and acked)
        Duplicate,     // already had it (acked again)
        AckOnly,       // P_ACK_V1: acks applied
        OutOfWindow,   // too far ahead, dropped unacked
        NoBuffer,      // receive buffers full, dropped unacked
        Oversize,      // payload too large, dropped unacked
        WrongKeyId,    // not this key state's key_id: route it elsewhere
        WrongSession,  // sender's session id is not the remote one
        BadAckSession, // ack record names a session that is not ours: whole packet refused
    };
    // Process one authenticated, parsed packet.  Its acks are applied only if it is
    // otherwise acceptable (ssl.c: tls_pre_decrypt).  Resets are not special here:
    // check them with validate_reset() (reset_packet.hpp) before handing them in.
    Rx on_packet(const ControlPacket& p);

    // The next in-order message, and its delivery.
    std::optional<ReliableReceiver::Message> front() const { return receiver_.front(); }
    void pop() { receiver_.pop(); }

    // The largest packet next_packet() can produce (header, 4 or 8 acks, remote
    // session id, message id, max_payload).
    std::size_t max_packet_size() const;

    // Build the next packet to send at `now` into `out` and return it, or nullopt
    // when nothing is due.  Call it until nullopt after each on_packet()/queue()/
    // timeout.  Throws std::length_error if out.size() < max_packet_size().
    std::optional<Bytes> next_packet(std::int64_t now, MutBytes out);

    // When next_packet() will have something: a time <= now means now; nullopt if
    // there is nothing to retransmit.  Owed acks count as "now".
    std::optional<std::int64_t> next_timeout() const;

    // All our messages acknowledged (e.g. "our reset was acked": S_PRE_START -> S_START).
    bool all_acked() const { return sender_.empty(); }
    // Nothing in flight either way: give the window buffers back (idle sessions of a
    // server with many clients).
    void release_idle() {
        sender_.release_idle();
        receiver_.release_idle();
    }

    ReliableSender& sender() { return sender_; }
    const ReliableSender& sender() const { return sender_; }
    ReliableReceiver& receiver() { return receiver_; }
    const ReliableReceiver& receiver() const { return receiver_; }

private:
    SessionId local_;
    std::optional<SessionId> remote_;
    LinkParams params_;
    ReliableSender sender_;
    ReliableReceiver receiver_;
};

const char* rx_name(ReliableLink::Rx r);

}  // namespace vpn::ovpn::control
