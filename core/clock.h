// Clocks: the switch clock in whole seconds (what the FDB ages by) and in milliseconds from TSC
// ticks, and a fake clock for tests of code that takes a clock as a template parameter. Workers
// read the TSC themselves (rte_rdtsc); token buckets take ticks and their rate, not a clock object.
#pragma once

#include <cstdint>

namespace vsw {

// A monotonic clock in "ticks" with a known rate. Implementations are plain structs with
// inline now(): templates take them as parameters, so the datapath makes no virtual call.
struct FakeClock {
    uint64_t ticks = 0;       // current time, advanced by the test
    uint64_t hz = 1'000'000;  // ticks per second
    uint64_t now() const { return ticks; }
    void advance_seconds(double s) { ticks += static_cast<uint64_t>(s * static_cast<double>(hz)); }
};

// Converts ticks to whole seconds since `origin`: what the FDB uses for aging.
inline uint32_t seconds_since(uint64_t origin, uint64_t now, uint64_t hz) {
    return static_cast<uint32_t>((now - origin) / hz);
}

// The same in milliseconds: the switch clock of the control thread and the exporters.
inline uint64_t ms_since(uint64_t origin, uint64_t now, uint64_t hz) {
    return (now - origin) / (hz >= 1000 ? hz / 1000 : 1);
}

}  // namespace vsw
