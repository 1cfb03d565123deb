#pragma once
// Which received message ids we still owe the peer an acknowledgement for, and
// which we acknowledged recently (openvpn-wire.md §5.5; reliable.c:
// reliable_ack_acknowledge_packet_id, reliable_ack_write, copy_acks_to_mru).
//
// OpenVPN 2.6 keeps two lists per key state: `rec_ack` (ids not yet acked, at most
// 8) and `lru_acks` (the 8 most recently acked ids, newest first).  Every outgoing
// control packet moves up to `max` pending ids to the front of the recent list and
// then carries the first `max` ids of that list -- so ids are acked again and again
// in later packets (observed on the wire as [5,4,3,2,1,0]).  A lost ACK is thereby
// repaired without waiting for the peer's retransmission.  We do the same, so the
// peer sees exactly what a stock peer would send.
#include <array>
#include <cstddef>
#include <cstdint>

#include "common/openvpn/control/control_packet.hpp"

namespace vpn::ovpn::control {

class AckTracker {
public:
    // Owe an ack for `id`.  Ignored when it is already pending or 8 ids are
    // pending (the peer will retransmit and we ack that copy).
    void add(std::uint32_t id);

    bool has_pending() const { return !pending_.empty(); }
    std::size_t pending() const { return pending_.size(); }
    const AckList& recent() const { return recent_; }

    // The ack record for one outgoing packet that may carry `max` (<= 8) ids: the
    // first `max` pending ids become the most recent ones (keeping their order) and
    // the record is the first min(max, 8) ids of the recent list.  Empty when
    // nothing was ever acked.
    AckList take(std::size_t max);

    void clear();

private:
    AckList pending_;
    AckList recent_;  // newest first, no duplicates
};

}  // namespace vpn::ovpn::control
