// A micro-benchmark harness for the stages' hot functions: runs a body in rounds of ~50 ms,
// keeps the best of seven rounds (the least disturbed on a shared machine), and prints one line
// per case: ns per operation and TSC cycles per operation (per packet where an operation is a
// packet). Nothing is asserted: numbers are recorded, not judged (integration/bench/RESULTS.md).
#pragma once

#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>

namespace vsw::bench {

// Keeps the compiler from optimising a result away.
template <class T>
inline void keep(const T& v) {
    asm volatile("" : : "g"(&v) : "memory");
}

// `body()` performs `ops` operations per call.
template <class Body>
void run(const char* name, uint64_t ops, Body&& body) {
    using Clock = std::chrono::steady_clock;
    auto time = [&](uint64_t calls, double& ns, uint64_t& cycles) {
        const auto t0 = Clock::now();
        const uint64_t c0 = __rdtsc();
        for (uint64_t i = 0; i < calls; ++i) body();
        cycles = __rdtsc() - c0;
        ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    };
    // How many calls take about 50 ms: grow until a run lasts 5 ms, then scale.
    uint64_t calls = 1, cycles = 0;
    double ns = 0;
    for (time(calls, ns, cycles); ns < 5e6; time(calls, ns, cycles)) calls *= 10;
    calls = std::max<uint64_t>(1, static_cast<uint64_t>(static_cast<double>(calls) * 50e6 / ns));
    double best_ns = 1e300, best_cycles = 1e300;
    for (int round = 0; round < 7; ++round) {
        time(calls, ns, cycles);
        best_ns = std::min(best_ns, ns / static_cast<double>(calls * ops));
        best_cycles =
            std::min(best_cycles, static_cast<double>(cycles) / static_cast<double>(calls * ops));
    }
    std::printf("%-48s %9.2f ns/op %9.1f cycles/op\n", name, best_ns, best_cycles);
    std::fflush(stdout);
}

}  // namespace vsw::bench
