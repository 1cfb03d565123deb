#pragma once
// Send half of the control channel's reliability layer for one key state, sans-IO
// (openvpn-wire.md §5.5; reliable.c, ssl_pkt.h: TLS_RELIABLE_N_SEND_BUFFERS).
//
//   * Message ids start at 0 (the hard/soft reset) and grow by one per new message;
//     a retransmission reuses its id.
//   * Window: a new id may be at most 5 above the oldest unacknowledged one (6
//     messages in flight; reliable_get_buf_output_sequenced).
//   * A new message is due at once.  Each transmission schedules the next one
//     `timeout` later and doubles `timeout`, which starts at --tls-timeout (2 s): a
//     message that is never acked goes out at t, t+2, t+6, t+14, t+30, t+62 s...
//     (reliable_send).  The doubling saturates at one day, only to stay in range.
//   * Fast retransmit: once acks for 3 higher ids arrived since its last
//     transmission, a message is due at once (N_ACK_RETRANSMIT; every id of every
//     ack record counts, repeats included, as in reliable_send_purge).
//   * Hold: a TCP server keeps its reset until the client's arrives (xmit_hold);
//     schedule_now() releases it and makes everything due ("burst").
//
// Time is the caller's: `now` in milliseconds of any monotonic clock.  Payload
// buffers are allocated once at construction.
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "common/openvpn/control/control_packet.hpp"
#include "common/openvpn/control/opcode.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ovpn::control {

class ReliableSender {
public:
    static constexpr std::size_t kWindow = 6;           // TLS_RELIABLE_N_SEND_BUFFERS
    static constexpr int kFastRetransmitAcks = 3;       // N_ACK_RETRANSMIT
    static constexpr std::size_t kMaxPayload = 2048;    // TLS_CHANNEL_BUF_SIZE
    static constexpr std::int64_t kDefaultTimeoutMs = 2000;   // --tls-timeout 2
    static constexpr std::int64_t kMaxTimeoutMs = 86'400'000;  // overflow guard only
    static constexpr std::int64_t kImmediately = std::numeric_limits<std::int64_t>::min();

    // `initial_timeout_ms` > 0 (std::invalid_argument otherwise); `max_payload`:
    // the largest message queue() takes.
    explicit ReliableSender(std::int64_t initial_timeout_ms = kDefaultTimeoutMs,
                            std::size_t max_payload = kMaxPayload);

    // How many new messages queue() takes right now (0..6).
    std::size_t available() const;
    bool can_queue() const { return available() > 0; }

    // Store a copy of a new message, due at once.  Returns its id, or nullopt when
    // the window is full or payload.size() > max_payload.
    std::optional<std::uint32_t> queue(Opcode op, Bytes payload);

    struct Outgoing {
        std::uint32_t id;
        Opcode op;
        Bytes payload;  // valid until the next queue() or ack
    };
    // The due message with the lowest id, marked as sent at `now` (next try at
    // now + timeout, timeout doubled, fast-retransmit count cleared); nullopt if
    // none is due or the sender is held.
    std::optional<Outgoing> send_next(std::int64_t now);

    // Everything due at `now`, lowest id first, each marked as sent.
    struct DueList {
        std::array<Outgoing, kWindow> items{};
        std::size_t count = 0;
        const Outgoing* begin() const { return items.data(); }
        const Outgoing* end() const { return items.data() + count; }
        std::size_t size() const { return count; }
    };
    DueList due(std::int64_t now);

    // The peer acknowledged `id`: forget it.  Unknown or already-acked ids (stock
    // peers repeat recent acks) only feed the fast-retransmit count of lower ids.
    void on_ack(std::uint32_t id);
    void on_acks(const AckList& acks);

    // When send_next() has something next: kImmediately / a time <= now means now;
    // nullopt when nothing is unacknowledged or the sender is held.
    std::optional<std::int64_t> next_timeout() const;

    bool empty() const;          // nothing unacknowledged (reliable_empty)
    // Frees the buffers of inactive entries (allocated again when one is queued).
    void release_idle();
    std::size_t in_flight() const;
    std::uint32_t next_id() const { return next_id_; }

    // Let the next message have id `id` (e.g. 1 after a stateless server consumed
    // id 0; ssl.c: session_skip_to_pre_start).  Only while empty(); false otherwise.
    bool start_at(std::uint32_t id);

    void set_hold(bool hold) { hold_ = hold; }
    bool held() const { return hold_; }
    // Release a hold and make every unacknowledged message due now with the initial
    // timeout again (reliable_schedule_now).
    void schedule_now(std::int64_t now);

private:
    struct Entry {
        bool active = false;
        std::uint32_t id = 0;
        Opcode op = Opcode::ControlV1;
        std::int64_t next_try = 0;
        std::int64_t timeout = 0;
        int n_acks = 0;
        std::vector<std::uint8_t> buf;
    };
    bool is_due(const Entry& e, std::int64_t now) const;

    std::array<Entry, kWindow> entries_;
    std::int64_t initial_timeout_;
    std::size_t max_payload_;
    std::uint32_t next_id_ = 0;
    bool hold_ = false;
};

}  // namespace vpn::ovpn::control
