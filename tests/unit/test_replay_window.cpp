// Replay window (openvpn-wire.md §3.1): tables of (id, time, now) -> accept? rows that
// walk the edges of OpenVPN 2.6's packet_id_test / packet_id_add / packet_id_reap.
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "common/openvpn/replay_window.hpp"

using vpn::ovpn::ReplayWindow;

namespace {

struct Row {
    std::uint32_t id;
    std::uint32_t time;
    std::int64_t now;
    bool accept;
};

void run(ReplayWindow& w, const std::vector<Row>& rows) {
    int line = 0;
    for (const Row& r : rows) {
        ++line;
        CAPTURE(line);
        CAPTURE(r.id);
        CAPTURE(r.time);
        CAPTURE(r.now);
        CHECK(w.accept(r.id, r.time, r.now) == r.accept);
    }
}

constexpr std::uint32_t T = 1700000000;  // a sender's long-form time
constexpr std::int64_t N = 1700000100;   // the receiver's clock

}  // namespace

TEST_CASE("replay window: sequence, duplicates and the window edge (n = 64)") {
    ReplayWindow w(64, 15);
    run(w, {
               {0, T, N, false},    // id 0 is never valid
               {1, T, N, true},
               {1, T, N, false},    // duplicate
               {2, T, N, true},
               {5, T, N, true},     // gap
               {4, T, N, true},     // late, inside the window
               {3, T, N, true},
               {4, T, N, false},    // duplicate of a late one
               {100, T, N, true},   // jump ahead: window restarts at 37..100
               {36, T, N, false},   // diff 64 == n: outside
               {37, T, N, true},    // diff 63: the oldest slot still tracked
               {37, T, N, false},
               {99, T, N, true},
               {100, T, N, false},
               {101, T, N, true},
               {37, T, N, false},   // now diff 64
               {38, T, N, true},    // diff 63
           });
    CHECK(w.highest_id() == 101);
    CHECK(w.highest_time() == T);
}

TEST_CASE("replay window: the first packet defines the window; small first ids") {
    ReplayWindow w(64, 15);
    run(w, {
               {10, T, N, true},  // window holds 1..10
               {1, T, N, true},
               {9, T, N, true},
               {10, T, N, false},
               {1, T, N, false},
           });
    ReplayWindow w2(64, 15);
    run(w2, {
                {64, T, N, true},  // 64 slots: ids 1..64
                {1, T, N, true},
                {63, T, N, true},
                {200, T, N, true},  // far jump: slots 137..200
                {136, T, N, false},
                {137, T, N, true},
                {64, T, N, false},
            });
}

TEST_CASE("replay window: the long-form time") {
    ReplayWindow w(64, 15);
    run(w, {
               {50, T, N, true},
               {1, T - 1, N, false},   // older time: rejected whatever the id
               {51, T - 1, N, false},
               {3, T + 1, N, true},    // newer time: a new sequence, lower id fine
               {51, T, N, false},      // the previous time is now too old
               {2, T + 1, N, true},    // inside the new window
               {3, T + 1, N, false},
               {0, T + 2, N, false},   // id 0 even with a new time
               {1, T + 2, N, true},
           });
    CHECK(w.highest_time() == T + 2);
}

TEST_CASE("replay window: time-based expiry, exact boundaries") {
    ReplayWindow w(64, 15);
    run(w, {
               {10, T, 1000, true},   // reap runs (first call), slot(10) = 1000
               {12, T, 1003, true},   // no reap (last reap 1000, next at 1005)
               {11, T, 1015, true},   // reap at 1015: 1003 + 15 < 1015? no; 1000 + 15 < 1015? no
               {9, T, 1019, true},    // no reap (next at 1020)
               {8, T, 1020, false},   // reap at 1020: slot(12)=1003, 1018 < 1020 -> all expired
               {7, T, 1020, false},
               {13, T, 1020, true},   // newer ids are always fine
               {12, T, 1020, false},
           });
}

TEST_CASE("replay window: seconds = 0 disables expiry") {
    ReplayWindow w(64, 0);
    run(w, {
               {10, T, 1000, true},
               {9, T, 5000, true},
               {9, T, 5000, false},
           });
}

TEST_CASE("replay window: n = 0 accepts only strictly sequential ids") {
    ReplayWindow w(0, 15);
    run(w, {
               {7, T, N, false},      // a new time must start at id 1
               {1, T, N, true},
               {2, T, N, true},
               {4, T, N, false},      // gap
               {3, T, N, true},
               {3, T, N, false},      // duplicate
               {2, T, N, false},      // backwards
               {4, T, N, true},
               {1, T - 1, N, false},  // older time
               {2, T + 1, N, false},  // newer time, not id 1
               {1, T + 1, N, true},
               {2, T + 1, N, true},
           });
    ReplayWindow s(0, 15);
    run(s, {
               {7, 0, N, true},  // short form (time 0) from scratch: any first id
               {8, 0, N, true},
               {10, 0, N, false},
           });
}

TEST_CASE("replay window: reset forgets everything") {
    ReplayWindow w(64, 15);
    CHECK(w.accept(5, T, N));
    CHECK_FALSE(w.accept(5, T, N));
    CHECK_FALSE(w.accept(1, T - 1, N));
    w.reset();
    CHECK(w.accept(5, T, N));
    CHECK(w.accept(1, T - 1, N) == false);  // T is the new highest time again
    w.reset();
    CHECK(w.accept(1, T - 1, N));
}

TEST_CASE("replay window: short form (time 0) and the 32-bit edge") {
    ReplayWindow w(64, 15);
    run(w, {
               {0xFFFFFFF0u, 0, N, true},
               {0xFFFFFFFFu, 0, N, true},
               {0xFFFFFFC0u, 0, N, true},   // diff 63
               {0xFFFFFFBFu, 0, N, false},  // diff 64
               {0xFFFFFFF0u, 0, N, false},
               {1, 0, N, false},            // short form never wraps
           });
}

TEST_CASE("replay window: limits") {
    CHECK_NOTHROW(ReplayWindow(65536, 600));
    CHECK_THROWS_AS(ReplayWindow(65537, 15), std::invalid_argument);
    CHECK_THROWS_AS(ReplayWindow(-1, 15), std::invalid_argument);
    CHECK_THROWS_AS(ReplayWindow(64, 601), std::invalid_argument);
    CHECK_THROWS_AS(ReplayWindow(64, -1), std::invalid_argument);

    ReplayWindow big(65536, 15);
    run(big, {
                 {100000, T, N, true},
                 {34465, T, N, true},   // diff 65535
                 {34464, T, N, false},  // diff 65536
             });
}
