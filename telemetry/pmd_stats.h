// Per-PMD-worker cycle accounting: busy cycles are those of polling rounds that moved packets,
// idle cycles those of empty rounds (including back-off sleeps).
#pragma once

#include <cstdint>

#include "telemetry/port_counters.h"

namespace vsw::telemetry {

struct alignas(64) PmdStats {
    Counter busy_cycles;  // TSC cycles of rounds that received at least one frame
    Counter idle_cycles;  // TSC cycles of empty rounds and sleeps
    Counter rx_packets;   // frames received by this worker, all ports
    Counter rounds;       // polling rounds
    Counter sleeps;       // back-off sleeps taken while idle
};

// Cycles spent per received packet while busy; 0 when no packet was seen.
inline double cycles_per_packet(uint64_t busy_cycles, uint64_t packets) {
    return packets ? static_cast<double>(busy_cycles) / static_cast<double>(packets) : 0.0;
}

}  // namespace vsw::telemetry
