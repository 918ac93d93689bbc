#include "qos/token_bucket.h"

#include <catch2/catch.hpp>

#include "core/clock.h"

using namespace vsw::qos;
using vsw::FakeClock;

TEST_CASE("a bucket starts full and refills at its rate, exactly over time") {
    FakeClock clk;                                            // 1 MHz
    TokenBucket b(1'000'000 / 8, 10'000, clk.hz, clk.now());  // 1 Mbit/s = 125000 B/s
    CHECK(b.tokens() == 10'000);
    b.charge(10'000);
    CHECK_FALSE(b.positive());
    uint64_t sent = 0;
    // Drain as fast as the bucket allows, in 1500-byte frames, for 10 simulated seconds.
    for (int step = 0; step < 10'000'000; step += 37) {
        clk.ticks = static_cast<uint64_t>(step);
        b.refill(clk.now());
        while (b.has(1500)) {
            b.charge(1500);
            sent += 1500;
        }
    }
    // 10 s at 125000 B/s, give or take one frame.
    CHECK(sent >= 1'250'000 - 1500);
    CHECK(sent <= 1'250'000);
}

TEST_CASE("idle refill is capped at the burst") {
    FakeClock clk;
    TokenBucket b(125'000, 5'000, clk.hz, clk.now());
    b.charge(5'000);
    clk.advance_seconds(3600);
    b.refill(clk.now());
    CHECK(b.tokens() == 5'000);
    // And no banked fraction is carried on top of a full bucket.
    clk.ticks += 1;
    b.refill(clk.now());
    CHECK(b.tokens() == 5'000);
}

TEST_CASE("a deficit is paid back before credit returns") {
    FakeClock clk;
    TokenBucket b(1'000, 2'000, clk.hz, clk.now());  // 1000 B/s
    b.charge(5'000);                                 // a burst of packets overshoots
    CHECK(b.tokens() == -3'000);
    clk.advance_seconds(2.999);
    b.refill(clk.now());
    CHECK_FALSE(b.positive());
    clk.advance_seconds(0.002);
    b.refill(clk.now());
    CHECK(b.positive());
}

TEST_CASE("no drift: the remainder of each refill carries over") {
    FakeClock clk;
    clk.hz = 3;  // a clock that divides nothing evenly
    TokenBucket b(1, 1'000'000, clk.hz, 0);
    b.charge(1'000'000);
    for (uint64_t t = 1; t <= 3 * 1000; ++t) b.refill(t);  // 1000 s, one tick at a time
    CHECK(b.tokens() == 1000);  // exactly 1000 bytes in 1000 s at 1 B/s, from 3000 refills
}

TEST_CASE("rate changes while running keep the credit, capped at the new burst") {
    FakeClock clk;
    TokenBucket b(10'000, 50'000, clk.hz, clk.now());
    b.reconfigure(1'000, 4'000);
    CHECK(b.tokens() == 4'000);
    b.charge(4'000);
    clk.advance_seconds(1);
    b.refill(clk.now());
    CHECK(b.tokens() == 1'000);  // the new rate
}

TEST_CASE("huge rates and long idle times do not overflow") {
    FakeClock clk;
    clk.hz = 3'000'000'000;                                    // a 3 GHz TSC
    TokenBucket b(100'000'000'000 / 8, 1'000'000, clk.hz, 0);  // 100 Gbit/s
    b.charge(1'000'000);
    clk.ticks = 3'000'000'000ull * 86'400;  // a day later
    b.refill(clk.now());
    CHECK(b.tokens() == 1'000'000);
}

TEST_CASE("a peak bucket limits how fast a full committed bucket drains") {
    FakeClock clk;
    Shaper s(1'000, 100'000, 10'000, 2'000, clk.hz, clk.now());  // 1 kB/s committed, 10 kB/s peak
    uint64_t sent = 0;
    for (int ms = 0; ms < 1000; ++ms) {  // one second
        clk.ticks = static_cast<uint64_t>(ms) * 1000;
        s.refill(clk.now());
        while (s.has(100)) {
            s.charge(100);
            sent += 100;
        }
    }
    // Without the peak bucket 100 kB would leave at once; with it, about 2 kB + 10 kB/s.
    CHECK(sent >= 11'000);
    CHECK(sent <= 12'100);
}
