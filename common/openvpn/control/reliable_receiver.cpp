#include "common/openvpn/control/reliable_receiver.hpp"

#include <algorithm>

namespace vpn::ovpn::control {
namespace {

// reliable.c: reliable_wont_break_sequentiality (reliable_pid_in_range2) -- "id is
// below expected + window", with OpenVPN's handling of a window that wraps 2^32.
bool below_window_end(std::uint32_t id, std::uint32_t expected, std::uint32_t window) {
    if (expected + window >= expected) return id < expected + window;
    return id + 0x80000000u < expected + 0x80000000u + window;
}

// reliable.c: reliable_pid_min -- id comes before expected (modulo 2^32).
bool before(std::uint32_t id, std::uint32_t expected) { return id - expected >= 0x80000000u; }

}  // namespace

ReliableReceiver::ReliableReceiver(std::size_t max_payload) : max_payload_(max_payload) {
    for (auto& s : slots_) s.buf.reserve(max_payload_);
}

ReliableReceiver::Result ReliableReceiver::accept(std::uint32_t id, Opcode op, Bytes payload) {
    // ssl.c: tls_pre_decrypt checks for a free buffer before it even reads the id.
    if (stored() == kWindow) return Result::NoBuffer;
    if (!below_window_end(id, expected_, kWindow)) return Result::OutOfWindow;
    Slot& s = slot(id);
    if (before(id, expected_) || (s.used && s.id == id)) {
        acks_.add(id);  // "even if it's a replay": our earlier ack may have been lost
        return Result::Duplicate;
    }
    if (payload.size() > max_payload_) return Result::Oversize;
    // In the window and new: id - expected < 12, so its slot is free.
    s.used = true;
    s.id = id;
    s.op = op;
    s.buf.assign(payload.begin(), payload.end());  // reserved, unless release_idle() freed it
    acks_.add(id);
    return Result::Accepted;
}

std::optional<ReliableReceiver::Message> ReliableReceiver::front() const {
    const Slot& s = slot(expected_);
    if (!s.used || s.id != expected_) return std::nullopt;
    return Message{s.id, s.op, Bytes(s.buf.data(), s.buf.size())};
}

void ReliableReceiver::pop() {
    Slot& s = slot(expected_);
    if (!s.used || s.id != expected_) return;
    s.used = false;
    ++expected_;
}

std::size_t ReliableReceiver::stored() const {
    return static_cast<std::size_t>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.used; }));
}

bool ReliableReceiver::start_at(std::uint32_t id) {
    if (stored() != 0) return false;
    expected_ = id;
    return true;
}

const char* result_name(ReliableReceiver::Result r) {
    switch (r) {
        case ReliableReceiver::Result::Accepted: return "accepted";
        case ReliableReceiver::Result::Duplicate: return "duplicate";
        case ReliableReceiver::Result::OutOfWindow: return "out-of-window";
        case ReliableReceiver::Result::NoBuffer: return "no-buffer";
        case ReliableReceiver::Result::Oversize: return "oversize";
    }
    return "?";
}

void ReliableReceiver::release_idle() {
    for (auto& s : slots_)
        if (!s.used) std::vector<std::uint8_t>().swap(s.buf);
}

}  // namespace vpn::ovpn::control
