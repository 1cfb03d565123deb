#pragma once
// Receive half of the control channel's reliability layer for one key state,
// sans-IO (openvpn-wire.md §5.5; ssl.c: tls_pre_decrypt, reliable.c:
// reliable_can_get, reliable_wont_break_sequentiality, reliable_not_replay).
//
// Messages are delivered strictly in id order, each exactly once.  For a message
// with id `id`, `expected` being the next id to deliver:
//
//   all 12 buffers hold undelivered messages  -> NoBuffer     (not acked)
//   id >= expected + 12                       -> OutOfWindow  (not acked)
//   id < expected, or already stored          -> Duplicate    (acked again)
//   payload larger than max_payload           -> Oversize     (not acked)
//   otherwise                                 -> Accepted     (stored, acked)
//
// Acks owed go into acks() (see AckTracker); the caller puts them on outgoing
// packets.  A message stays buffered until pop(), so a consumer that is not ready
// (TLS wants no more input yet) simply leaves it and back-pressure reaches the peer.
// Buffers are allocated once at construction.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/openvpn/control/ack_tracker.hpp"
#include "common/openvpn/control/opcode.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ovpn::control {

class ReliableReceiver {
public:
    static constexpr std::size_t kWindow = 12;         // TLS_RELIABLE_N_REC_BUFFERS
    static constexpr std::size_t kMaxPayload = 2048;

    explicit ReliableReceiver(std::size_t max_payload = kMaxPayload);

    enum class Result : std::uint8_t { Accepted, Duplicate, OutOfWindow, NoBuffer, Oversize };
    // Take message `id` from the peer (after its wrapping was verified).  Accepted
    // and Duplicate queue an ack in acks().
    Result accept(std::uint32_t id, Opcode op, Bytes payload);

    struct Message {
        std::uint32_t id;
        Opcode op;
        Bytes payload;  // valid until pop() or the next accept()
    };
    // The next message in order, if it has arrived.
    std::optional<Message> front() const;
    // Deliver (drop) the front message; no-op if there is none.
    void pop();
    // Frees the buffers of empty slots (a session whose handshake is over keeps 12 x
    // 2 KB otherwise); they are allocated again when a message arrives.
    void release_idle();

    std::uint32_t expected() const { return expected_; }
    std::size_t stored() const;
    // Expect `id` next (1 on a server that answered the reset statelessly; ssl.c:
    // session_skip_to_pre_start).  Only while nothing is stored; false otherwise.
    bool start_at(std::uint32_t id);

    AckTracker& acks() { return acks_; }
    const AckTracker& acks() const { return acks_; }

private:
    struct Slot {
        bool used = false;
        std::uint32_t id = 0;
        Opcode op = Opcode::ControlV1;
        std::vector<std::uint8_t> buf;
    };
    Slot& slot(std::uint32_t id) { return slots_[id % kWindow]; }
    const Slot& slot(std::uint32_t id) const { return slots_[id % kWindow]; }

    std::array<Slot, kWindow> slots_;
    std::size_t max_payload_;
    std::uint32_t expected_ = 0;
    AckTracker acks_;
};

const char* result_name(ReliableReceiver::Result r);

}  // namespace vpn::ovpn::control
