#pragma once
// What tls-auth and tls-crypt share: the result of an unwrap, the replay policy and
// the long-form packet-id counter on the sending side (openvpn-wire.md §5.3, §5.4;
// packet_id.c: packet_id_send_update).
#include <cstdint>
#include <optional>

#include "common/openvpn/drop_reason.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ovpn::control {

struct Unwrapped {
    bool ok = false;
    Drop reason = Drop::Count;  // when !ok: ShortPacket, BadHmac, Replay, Oversize, BadCiphertext
    Bytes packet;               // when ok: the plain control packet (opcode | session id | rest)
    std::uint32_t replay_id = 0;    // the wrapping's long-form packet id ...
    std::uint32_t replay_time = 0;  // ... and its time (0 / 0 without wrapping)
};

// Enforce: authenticated packets also pass the replay window (normal receive path).
// Skip: authenticate only, leave the window untouched -- the stateless first-packet
// firewall of a UDP server (ssl.c: tls_auth_standalone_init sets CO_IGNORE_PACKET_ID).
enum class ReplayCheck { Enforce, Skip };

// --replay-window for the wrapping (ssl.c: tls_session_init uses the same values
// as the data channel): n packets, t seconds.
struct ReplayParams {
    int window = 64;
    int seconds = 15;
};

// The sender's long-form packet id: pre-incremented (the first packet carries 1),
// `time` is taken from the clock on first use and only changes when the id wraps.
class LongPacketIdSender {
public:
    struct Value {
        std::uint32_t id, time;
    };
    // The next id/time to send, or nullopt when the id would wrap within the same
    // second (OpenVPN refuses to send then: "packet ID roll over").  `now`: Unix seconds.
    std::optional<Value> next(std::int64_t now);
    // The next packet carries last_id + 1 and `time` (0: take the clock at next()).
    // E.g. (0, 0) restarts a sequence, as the stateless server reply does
    // (mudp.c: send_hmac_reset_packet); (0x0f000000, now) is a tls-crypt-v2 client's
    // early-negotiation start (ssl.c: tls_session_init).
    void set(std::uint32_t last_id, std::uint32_t time) {
        id_ = last_id;
        time_ = time;
    }
    std::uint32_t last_id() const { return id_; }
    std::uint32_t time() const { return time_; }

private:
    std::uint32_t id_ = 0;
    std::uint32_t time_ = 0;
};

}  // namespace vpn::ovpn::control
