#pragma once
// ESP anti-replay window with extended sequence numbers (RFC 4303 §3.4.3 and
// Appendix A2), split as the RFC orders it:
//
//   check(seq_low)  before the ICV: infers the 64-bit number (with ESN) and says
//                   whether it is new; changes nothing
//   update(seq)     only after the ICV verified: records it, slides the window
//
// A packet that fails authentication therefore never moves the window.  The
// inferred number is what the ICV must cover (its high half), so a wrong guess
// simply fails authentication.
//
// Bits live in a ring of 64-bit words (the RFC 6479 layout): sliding forward clears
// whole words, nothing moves.  Allocated once in the constructor.  Not thread-safe:
// one window per inbound SA, used by one receiving worker.
#include <cstdint>
#include <vector>

namespace vpn::esp {

class ReplayWindow {
public:
    static constexpr std::uint32_t kDefaultSize = 1024;
    // Above this, the ESN guess (which needs the window well below 2^31) and the
    // memory use stop making sense.
    static constexpr std::uint32_t kMaxSize = 1u << 20;

    // `size` packets, 0..kMaxSize (0 = no anti-replay: check() accepts every number
    // except 0, but ESN inference still tracks the highest one); `highest`: the
    // highest number already authenticated (0 for a new SA).  Throws
    // std::invalid_argument for a size above kMaxSize, or a `highest` above 2^32-1
    // without ESN.
    explicit ReplayWindow(std::uint32_t size = kDefaultSize, bool esn = false, std::uint64_t highest = 0);

    enum class Verdict : std::uint8_t {
        Fresh,   // not seen, inside or ahead of the window
        Replay,  // inside the window, already seen
        TooOld,  // left of the window, 0, or (ESN) before the SA's first epoch
    };
    struct Checked {
        Verdict verdict;
        std::uint64_t seq;  // the full number: seq_low, plus the inferred high half with ESN
    };
    Checked check(std::uint32_t seq_low) const;

    // Record an authenticated `seq` (as returned by check()).
    void update(std::uint64_t seq);

    std::uint64_t highest() const { return top_; }
    std::uint32_t size() const { return size_; }
    bool esn() const { return esn_; }

private:
    std::uint64_t infer(std::uint32_t seq_low, bool& before_start) const;
    bool test_bit(std::uint64_t seq) const;
    void set_bit(std::uint64_t seq);

    std::uint32_t size_;
    bool esn_;
    std::uint64_t top_;               // T: highest authenticated number
    std::vector<std::uint64_t> bits_; // ring of words; power-of-two count
    std::uint64_t word_mask_ = 0;
};

}  // namespace vpn::esp
