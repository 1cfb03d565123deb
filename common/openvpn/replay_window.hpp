#pragma once
// Receive-side packet-id replay protection, with exactly OpenVPN 2.6's acceptance
// rules (openvpn-wire.md §3.1; packet_id.c: packet_id_test, packet_id_add,
// packet_id_reap), so that we accept and reject the same packets a stock peer would.
//
//   * id 0 is never accepted.
//   * A packet whose `time` is newer than the highest seen starts a new sequence.
//     An older `time` is rejected.  With the same `time` (always so in short form,
//     where time = 0): an id above the highest is accepted; otherwise it must lie
//     within the last `n` ids and not have been seen.
//   * Every 5 s, slots older than `seconds` are expired: a late packet more than
//     `seconds` after a higher-numbered one is rejected (seconds = 0: no expiry).
//   * n = 0 ("non-backtrack"): only strictly sequential ids, the first of a new
//     `time` must be 1.
//
// Call accept() only for authenticated packets.  The window is allocated once.
// Not thread-safe: one window per receiving worker.
#include <cstdint>
#include <vector>

namespace vpn::ovpn {

class ReplayWindow {
public:
    static constexpr int kMaxPackets = 65536;  // MAX_SEQ_BACKTRACK
    static constexpr int kMaxSeconds = 600;    // MAX_TIME_BACKTRACK

    // `n` in [0, 65536] packets, `seconds` in [0, 600]; std::invalid_argument otherwise.
    ReplayWindow(int n = 64, int seconds = 15);

    // True if (id, time) is fresh; it is then recorded as seen.  `time` is the
    // long-form packet-id time (0 in short form); `now` is the local Unix time.
    bool accept(std::uint32_t id, std::uint32_t time, std::int64_t now);

    // Forget everything (a new session, e.g. after ping-restart).
    void reset();

    std::uint32_t highest_id() const { return id_; }
    std::uint32_t highest_time() const { return time_; }

private:
    bool test(std::uint32_t id, std::uint32_t time) const;
    void add(std::uint32_t id, std::uint32_t time, std::int64_t now);
    void reap(std::int64_t now);

    // Circular list, newest first: slot(0) is the highest id, slot(k) is id_ - k.
    // A slot holds 0 (unseen), kExpired, or the local time the id was received.
    std::int64_t& slot(std::size_t k) { return list_[(head_ + k) % list_.size()]; }
    std::int64_t slot(std::size_t k) const { return list_[(head_ + k) % list_.size()]; }
    void push_unseen();

    static constexpr std::int64_t kExpired = 1;
    std::vector<std::int64_t> list_;  // capacity n; empty when n == 0
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    int seconds_;
    std::uint32_t id_ = 0;    // highest id received
    std::uint32_t time_ = 0;  // highest time received
    std::int64_t last_reap_ = 0;
};

}  // namespace vpn::ovpn
