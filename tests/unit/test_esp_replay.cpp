// ESP anti-replay window (RFC 4303 §3.4.3, Appendix A2): tables of
// (sequence number -> verdict) rows at the window's edges, each accepted row then
// recorded as an authenticated packet would be; ESN high-half inference in both of
// the RFC's cases and across the 2^32 boundary; window 0.
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "ipsec/esp/replay_window.hpp"

using vpn::esp::ReplayWindow;
using V = ReplayWindow::Verdict;

namespace {

struct Row {
    std::uint32_t seq_low;
    V verdict;
    std::uint64_t seq = 0;  // expected full number (0: same as seq_low)
};

void run(ReplayWindow& w, const std::vector<Row>& rows) {
    int line = 0;
    for (const Row& r : rows) {
        ++line;
        CAPTURE(line);
        CAPTURE(r.seq_low);
        const auto c = w.check(r.seq_low);
        CHECK(c.verdict == r.verdict);
        if (r.seq) CHECK(c.seq == r.seq);
        if (c.verdict == V::Fresh) w.update(c.seq);
    }
}

}  // namespace

TEST_CASE("esp replay: in order, reordered, duplicates, window edge (W = 64)") {
    ReplayWindow w(64);
    run(w, {
               {0, V::TooOld},    // never valid
               {1, V::Fresh},
               {1, V::Replay},
               {2, V::Fresh},
               {5, V::Fresh},     // gap
               {4, V::Fresh},     // late, inside
               {3, V::Fresh},
               {4, V::Replay},
               {100, V::Fresh},   // jump: window is now 37..100
               {36, V::TooOld},   // 100 - 36 = 64 = W: outside
               {37, V::Fresh},    // 63: the oldest slot
               {37, V::Replay},
               {99, V::Fresh},
               {100, V::Replay},
               {101, V::Fresh},
               {37, V::TooOld},
               {38, V::Fresh},
           });
    CHECK(w.highest() == 101);
}

TEST_CASE("esp replay: window not a multiple of 64, jumps larger than the ring, old bits cleared") {
    ReplayWindow w(100);
    run(w, {
               {1000, V::Fresh},
               {901, V::Fresh},    // 99 behind
               {900, V::TooOld},   // 100 behind
               {950, V::Fresh},
               {950, V::Replay},
               {5000, V::Fresh},   // far jump: everything cleared
               {4901, V::Fresh},
               {4950, V::Fresh},   // same slot index as 950 in an earlier lap: must be clear
               {4950, V::Replay},
               {5064, V::Fresh},   // slides one word
               {5000, V::Replay},  // still remembered after the slide
               {5001, V::Fresh},
               {0xffffffffu, V::Fresh},  // the last 32-bit number
               {0xffffffffu, V::Replay},
           });
}

TEST_CASE("esp replay: default window is 1024 packets") {
    ReplayWindow w;
    CHECK(w.size() == 1024);
    run(w, {{2000, V::Fresh}, {977, V::Fresh}, {976, V::TooOld}, {1500, V::Fresh}, {1500, V::Replay}});
}

TEST_CASE("esp replay: window 0 turns anti-replay off") {
    ReplayWindow w(0);
    run(w, {{5, V::Fresh}, {5, V::Fresh}, {1, V::Fresh}, {0, V::TooOld}, {70000, V::Fresh}, {3, V::Fresh}});
    CHECK(w.highest() == 70000);
}

TEST_CASE("esp replay: limits") {
    CHECK_THROWS_AS(ReplayWindow(ReplayWindow::kMaxSize + 1), std::invalid_argument);
    CHECK_THROWS_AS(ReplayWindow(64, false, 0x100000000ull), std::invalid_argument);
    CHECK_NOTHROW(ReplayWindow(ReplayWindow::kMaxSize, true, 0x100000000ull));
}

TEST_CASE("esp replay ESN, case A (Tl >= W - 1): same epoch or the next one") {
    // T = 0x1_00005000, W = 1024: Bl = 0x5000 - 1023 = 0x4c01.
    ReplayWindow w(1024, true, 0x100005000ull);
    run(w, {
               {0x5000, V::Replay, 0x100005000ull},       // T itself was recorded
               {0x4c01, V::Fresh, 0x100004c01ull},        // Bl: oldest in window
               {0x4c00, V::Fresh, 0x200004c00ull},        // below Bl: next epoch (far ahead)
           });
    CHECK(w.highest() == 0x200004c00ull);
    ReplayWindow w2(1024, true, 0x100005000ull);
    run(w2, {
                {0xffffff00u, V::Fresh, 0x1ffffff00ull},  // >= Bl: same epoch, ahead
                {0x00000010u, V::Fresh, 0x200000010ull},  // now T is near the top: wraps into epoch 2
            });
}

TEST_CASE("esp replay ESN, case B (Tl < W - 1): previous epoch or the same one") {
    // T = 0x1_00000010, W = 1024: Bl = 0x10 - 1023 mod 2^32 = 0xfffffc11.
    ReplayWindow w(1024, true, 0x100000010ull);
    run(w, {
               {0xffffff00u, V::Fresh, 0x0ffffff00ull},   // >= Bl: late packet from epoch 0
               {0xffffff00u, V::Replay, 0x0ffffff00ull},
               {0xfffffc11u, V::Fresh, 0x0fffffc11ull},   // exactly Bl: oldest slot
               {0xfffffc10u, V::Fresh, 0x1fffffc10ull},   // below Bl: epoch 1, far ahead
           });
    ReplayWindow w2(1024, true, 0x100000010ull);
    run(w2, {
                {0x00000005u, V::Fresh, 0x100000005ull},  // < Bl: epoch Th, inside
                {0x00000020u, V::Fresh, 0x100000020ull},  // ahead
                {0x00000010u, V::Replay, 0x100000010ull},
            });
}

TEST_CASE("esp replay ESN: a stream crossing 2^32, reordered around the boundary") {
    ReplayWindow w(64, true, 0xfffffff0ull);
    run(w, {
               {0xfffffff5u, V::Fresh, 0xfffffff5ull},
               {0x00000002u, V::Fresh, 0x100000002ull},   // crossed
               {0xfffffff8u, V::Fresh, 0x0fffffff8ull},   // late, from before the boundary
               {0xfffffff5u, V::Replay, 0x0fffffff5ull},
               {0x00000002u, V::Replay, 0x100000002ull},
               {0x00000000u, V::Fresh, 0x100000000ull},   // low half 0 is valid with ESN
               {0x00000001u, V::Fresh, 0x100000001ull},
               {0xffffffc3u, V::Fresh, 0x0ffffffc3ull},   // Bl = 2 - 63: the oldest slot
           });
    CHECK(w.highest() == 0x100000002ull);
    // One below Bl reads as the next epoch (A2.2 case B); a packet really that old
    // then fails its ICV, which covers the guessed high half.
    const auto c = w.check(0xffffffc2u);
    CHECK(c.verdict == V::Fresh);
    CHECK(c.seq == 0x1ffffffc2ull);
}

TEST_CASE("esp replay ESN: nothing before the SA's first epoch, and 0 is never valid") {
    ReplayWindow w(1024, true);
    run(w, {
               {0, V::TooOld},
               {0xfffffff0u, V::TooOld},  // would be epoch -1
               {1, V::Fresh, 1},
               {2, V::Fresh, 2},
           });
}

TEST_CASE("esp replay: check() alone never changes the window") {
    ReplayWindow w(64);
    w.update(10);
    for (int i = 0; i < 3; ++i) CHECK(w.check(11).verdict == V::Fresh);
    CHECK(w.highest() == 10);
    CHECK(w.check(10).verdict == V::Replay);
}
