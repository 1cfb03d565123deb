#include "common/openvpn/control/ack_tracker.hpp"

#include <algorithm>

namespace vpn::ovpn::control {

void AckTracker::add(std::uint32_t id) {
    if (!pending_.contains(id)) pending_.push(id);  // push() refuses a 9th id
}

AckList AckTracker::take(std::size_t max) {
    max = std::min(max, kMaxAcks);
    const std::size_t n = std::min(max, pending_.size());

    // Insert pending[n-1] .. pending[0] at the front in turn, so pending[0] ends up
    // first; an id already in the list moves instead of repeating; the oldest falls
    // off past 8 (reliable.c: copy_acks_to_mru).
    for (std::size_t k = n; k-- > 0;) {
        const std::uint32_t id = pending_[k];
        AckList next;
        next.push(id);
        for (auto old : recent_)
            if (old != id) next.push(old);
        recent_ = next;
    }

    AckList rest;
    for (std::size_t i = n; i < pending_.size(); ++i) rest.push(pending_[i]);
    pending_ = rest;

    AckList record;
    for (std::size_t i = 0; i < std::min(max, recent_.size()); ++i) record.push(recent_[i]);
    return record;
}

void AckTracker::clear() {
    pending_.clear();
    recent_.clear();
}

}  // namespace vpn::ovpn::control
