// Storm control (security/storm_control.h) on a burst's decisions, with a fake clock.
#include "security/storm_control.h"

#include <catch2/catch.hpp>

using namespace vsw;

namespace {

constexpr uint64_t kHz = 1'000'000;

// 32 decisions: floods at odd positions, unicast to slot 3 at even ones.
BurstDecisions mixed() {
    BurstDecisions d;
    for (uint16_t i = 0; i < 32; ++i) d.out[i] = i % 2 ? kOutFlood : 3;
    return d;
}

unsigned count(const BurstDecisions& d, int16_t out) {
    unsigned n = 0;
    for (uint16_t i = 0; i < 32; ++i) n += d.out[i] == out;
    return n;
}

}  // namespace

TEST_CASE("storm control: floods pass up to the burst, then at the rate; unicast never counts") {
    StormMeter m;
    const StormPolicy p{.rate = 1000, .burst = 16, .version = 1};
    telemetry::PortCounters c;
    BurstDecisions d = mixed();
    storm_control_burst(m, p, d, 32, 0, kHz, c);
    CHECK(count(d, kOutFlood) == 16);  // the whole burst's credit
    CHECK(count(d, 3) == 16);
    CHECK(c.drops[static_cast<unsigned>(DropReason::kStorm)].get() == 0);

    d = mixed();
    storm_control_burst(m, p, d, 32, 0, kHz, c);  // no time passed: no credit
    CHECK(count(d, kOutFlood) == 0);
    CHECK(count(d, kOutDrop) == 16);
    CHECK(count(d, 3) == 16);
    CHECK(c.drops[static_cast<unsigned>(DropReason::kStorm)].get() == 16);

    d = mixed();
    storm_control_burst(m, p, d, 32, 10'000, kHz, c);  // 10 ms at 1000/s: 10 frames
    CHECK(count(d, kOutFlood) == 10);
    CHECK(c.drops[static_cast<unsigned>(DropReason::kStorm)].get() == 22);
}

TEST_CASE("storm control: a new policy starts a full bucket; dropped frames stay dropped") {
    StormMeter m;
    telemetry::PortCounters c;
    BurstDecisions d = mixed();
    storm_control_burst(m, {.rate = 10, .burst = 4, .version = 1}, d, 32, 0, kHz, c);
    CHECK(count(d, kOutFlood) == 4);
    d = mixed();
    d.out[1] = kOutDrop;  // decide() dropped it already: not metered, not counted again
    storm_control_burst(m, {.rate = 10, .burst = 20, .version = 2}, d, 32, 0, kHz, c);
    CHECK(count(d, kOutFlood) == 15);
    CHECK(c.drops[static_cast<unsigned>(DropReason::kStorm)].get() == 12);
}
