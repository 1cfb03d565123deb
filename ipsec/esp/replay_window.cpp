#include "ipsec/esp/replay_window.hpp"

#include <stdexcept>

namespace vpn::esp {
namespace {

// With anti-replay off there is no window to anchor the ESN guess; half the
// 32-bit space picks the epoch closest to the highest number seen.
constexpr std::uint64_t kGuessSpanWithoutWindow = 1ull << 31;

}  // namespace

ReplayWindow::ReplayWindow(std::uint32_t size, bool esn, std::uint64_t highest)
    : size_(size), esn_(esn), top_(highest) {
    if (size > kMaxSize) throw std::invalid_argument("ESP replay window larger than 1048576 packets");
    if (!esn && highest > 0xffffffffull) throw std::invalid_argument("ESP replay window: 64-bit start without ESN");
    if (size == 0) return;
    // One spare word beyond the window: the word holding T is partly "future", and
    // the oldest word may be partly outside the window (RFC 6479 §2).
    std::size_t words = 1;
    while (words < (size + 63) / 64 + 1) words <<= 1;
    bits_.assign(words, 0);
    word_mask_ = words - 1;
    if (top_ > 0) set_bit(top_);
}

std::uint64_t ReplayWindow::infer(std::uint32_t seq_low, bool& before_start) const {
    before_start = false;
    if (!esn_) return seq_low;
    // RFC 4303 Appendix A2.2.  Bl is the bottom of the window in the low half.
    const std::uint64_t w = size_ ? size_ : kGuessSpanWithoutWindow;
    const std::uint32_t th = static_cast<std::uint32_t>(top_ >> 32);
    const std::uint32_t tl = static_cast<std::uint32_t>(top_);
    const std::uint32_t bl = static_cast<std::uint32_t>(tl - (w - 1));
    std::uint64_t hi;
    if (tl >= w - 1) {  // case A: the window lies within one epoch
        hi = seq_low >= bl ? th : std::uint64_t(th) + 1;
    } else {  // case B: the window straddles the start of epoch th
        if (seq_low >= bl) {
            if (th == 0) {  // would be epoch -1: older than the SA itself
                before_start = true;
                return seq_low;
            }
            hi = th - 1;
        } else {
            hi = th;
        }
    }
    return (hi << 32) | seq_low;
}

ReplayWindow::Checked ReplayWindow::check(std::uint32_t seq_low) const {
    bool before_start = false;
    const std::uint64_t seq = infer(seq_low, before_start);
    if (before_start || seq == 0) return {Verdict::TooOld, seq};
    if (size_ == 0 || seq > top_) return {Verdict::Fresh, seq};
    if (top_ - seq >= size_) return {Verdict::TooOld, seq};
    return {test_bit(seq) ? Verdict::Replay : Verdict::Fresh, seq};
}

void ReplayWindow::update(std::uint64_t seq) {
    if (size_ == 0) {
        if (seq > top_) top_ = seq;  // still the anchor of the ESN guess
        return;
    }
    if (seq > top_) {
        // Clear the words the window slides over; after a jump of a whole ring or
        // more, all of them.
        const std::uint64_t old_word = top_ >> 6, new_word = seq >> 6;
        const std::uint64_t n = new_word - old_word;
        if (n > word_mask_) {
            for (auto& w : bits_) w = 0;
        } else {
            for (std::uint64_t i = 1; i <= n; ++i) bits_[(old_word + i) & word_mask_] = 0;
        }
        top_ = seq;
    } else if (top_ - seq >= size_) {
        return;  // check() refused it; nothing to record
    }
    set_bit(seq);
}

bool ReplayWindow::test_bit(std::uint64_t seq) const {
    return (bits_[(seq >> 6) & word_mask_] >> (seq & 63)) & 1;
}

void ReplayWindow::set_bit(std::uint64_t seq) { bits_[(seq >> 6) & word_mask_] |= std::uint64_t(1) << (seq & 63); }

}  // namespace vpn::esp
