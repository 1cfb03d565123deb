#include "common/openvpn/replay_window.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace vpn::ovpn {
namespace {
constexpr std::int64_t kReapInterval = 5;  // packet_id.h: SEQ_REAP_INTERVAL
}

ReplayWindow::ReplayWindow(int n, int seconds) : seconds_(seconds) {
    if (n < 0 || n > kMaxPackets)
        throw std::invalid_argument("replay-window size must be in [0, 65536], got " + std::to_string(n));
    if (seconds < 0 || seconds > kMaxSeconds)
        throw std::invalid_argument("replay-window time must be in [0, 600], got " + std::to_string(seconds));
    list_.assign(static_cast<std::size_t>(n), 0);
    // As packet_id_init: without a window there is no time-based expiry either.
    if (n == 0) seconds_ = 0;
}

void ReplayWindow::reset() {
    std::fill(list_.begin(), list_.end(), 0);
    head_ = size_ = 0;
    id_ = time_ = 0;
    last_reap_ = 0;
}

bool ReplayWindow::accept(std::uint32_t id, std::uint32_t time, std::int64_t now) {
    // crypto.c: crypto_check_replay -- reap, test, then record.
    if (last_reap_ + kReapInterval <= now) reap(now);
    if (!test(id, time)) return false;
    add(id, time, now);
    return true;
}

bool ReplayWindow::test(std::uint32_t id, std::uint32_t time) const {
    if (id == 0) return false;
    if (list_.empty()) {
        // Non-backtrack mode: ids must increase by exactly one.
        if (time == time_) return id_ == 0 || id == id_ + 1;
        if (time < time_) return false;
        return id == 1;
    }
    if (time == time_) {
        if (id > id_) return true;
        const std::uint32_t diff = id_ - id;
        if (diff >= size_) return false;  // older than the window
        return slot(diff) == 0;           // unseen (not seen, not expired)
    }
    return time > time_;  // a newer time starts a new sequence; older is rejected
}

void ReplayWindow::push_unseen() {
    head_ = (head_ + list_.size() - 1) % list_.size();
    list_[head_] = 0;
    if (size_ < list_.size()) ++size_;
}

void ReplayWindow::add(std::uint32_t id, std::uint32_t time, std::int64_t now) {
    if (list_.empty()) {
        time_ = time;
        id_ = id;
        return;
    }
    const auto n = static_cast<std::uint32_t>(list_.size());
    // A new time, or a jump past the whole window: restart the window so the
    // loop below pushes at most n slots.
    if (size_ == 0 || time > time_ || (id >= n && id - n > id_)) {
        time_ = time;
        id_ = id > n ? id - n : 0;
        head_ = size_ = 0;
    }
    while (id_ < id) {
        push_unseen();
        ++id_;
    }
    const std::uint32_t diff = id_ - id;
    // packet_id.c stores the arrival time only if it cannot be mistaken for the
    // "expired" marker.
    if (diff < size_ && now > kExpired) slot(diff) = now;
}

void ReplayWindow::reap(std::int64_t now) {
    if (seconds_ > 0) {
        bool expire = false;
        for (std::size_t i = 0; i < size_; ++i) {
            std::int64_t& t = slot(i);
            if (t == kExpired) break;  // everything older is already expired
            if (!expire && t != 0 && t + seconds_ < now) expire = true;
            if (expire) t = kExpired;
        }
    }
    last_reap_ = now;
}

}  // namespace vpn::ovpn
