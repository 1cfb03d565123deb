#include "common/openvpn/control/reliable_sender.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace vpn::ovpn::control {
namespace {

// Ids are compared by distance so that a wrap at 2^32 would not break ordering
// (reliable.c: reliable_pid_min); in practice a key state never gets near it.
bool id_before(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }

}  // namespace

ReliableSender::ReliableSender(std::int64_t initial_timeout_ms, std::size_t max_payload)
    : initial_timeout_(initial_timeout_ms), max_payload_(max_payload) {
    if (initial_timeout_ms <= 0) throw std::invalid_argument("reliable: initial timeout must be positive");
    for (auto& e : entries_) e.buf.reserve(max_payload_);
}

std::size_t ReliableSender::available() const {
    // reliable_get_num_output_sequenced_available: the window is anchored at the
    // oldest unacknowledged id, not at the number of free buffers.
    std::uint32_t span = 0;
    for (const auto& e : entries_)
        if (e.active) span = std::max(span, next_id_ - e.id);
    return span >= kWindow ? 0 : kWindow - span;
}

std::optional<std::uint32_t> ReliableSender::queue(Opcode op, Bytes payload) {
    if (available() == 0 || payload.size() > max_payload_) return std::nullopt;
    auto it = std::find_if(entries_.begin(), entries_.end(), [](const Entry& e) { return !e.active; });
    if (it == entries_.end()) return std::nullopt;  // cannot happen while available() > 0
    Entry& e = *it;
    e.active = true;
    e.id = next_id_++;
    e.op = op;
    e.next_try = kImmediately;
    e.timeout = initial_timeout_;
    e.n_acks = 0;
    e.buf.assign(payload.begin(), payload.end());  // reserved, unless release_idle() freed it
    return e.id;
}

bool ReliableSender::is_due(const Entry& e, std::int64_t now) const {
    return e.active && (e.n_acks >= kFastRetransmitAcks || now >= e.next_try);
}

std::optional<ReliableSender::Outgoing> ReliableSender::send_next(std::int64_t now) {
    if (hold_) return std::nullopt;
    Entry* best = nullptr;
    for (auto& e : entries_)
        if (is_due(e, now) && (!best || id_before(e.id, best->id))) best = &e;
    if (!best) return std::nullopt;
    best->next_try = now + best->timeout;
    best->timeout = std::min(best->timeout * 2, kMaxTimeoutMs);
    best->n_acks = 0;
    return Outgoing{best->id, best->op, Bytes(best->buf.data(), best->buf.size())};
}

ReliableSender::DueList ReliableSender::due(std::int64_t now) {
    DueList list;
    while (list.count < kWindow) {
        auto o = send_next(now);
        if (!o) break;
        list.items[list.count++] = *o;
    }
    return list;
}

void ReliableSender::on_ack(std::uint32_t id) {
    for (auto& e : entries_) {
        if (!e.active) continue;
        if (e.id == id)
            e.active = false;
        else if (id_before(e.id, id))
            ++e.n_acks;  // a later message got through: this one may be lost
    }
}

void ReliableSender::on_acks(const AckList& acks) {
    for (auto id : acks) on_ack(id);
}

std::optional<std::int64_t> ReliableSender::next_timeout() const {
    if (hold_) return std::nullopt;
    std::optional<std::int64_t> t;
    for (const auto& e : entries_) {
        if (!e.active) continue;
        const std::int64_t at = e.n_acks >= kFastRetransmitAcks ? kImmediately : e.next_try;
        if (!t || at < *t) t = at;
    }
    return t;
}

bool ReliableSender::empty() const {
    return std::none_of(entries_.begin(), entries_.end(), [](const Entry& e) { return e.active; });
}

std::size_t ReliableSender::in_flight() const {
    return static_cast<std::size_t>(
        std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.active; }));
}

bool ReliableSender::start_at(std::uint32_t id) {
    if (!empty()) return false;
    next_id_ = id;
    return true;
}

void ReliableSender::schedule_now(std::int64_t now) {
    hold_ = false;
    for (auto& e : entries_) {
        if (!e.active) continue;
        e.next_try = now;
        e.timeout = initial_timeout_;
    }
}

void ReliableSender::release_idle() {
    for (auto& e : entries_)
        if (!e.active) std::vector<std::uint8_t>().swap(e.buf);
}

}  // namespace vpn::ovpn::control
