// Per-port traffic counters. Each PMD worker owns one PortCounters block per port (single
// writer, no atomic read-modify-write on the hot path); the control thread sums the blocks.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "telemetry/drop_reasons.h"

namespace vsw::telemetry {

// A counter written by exactly one thread and read by others: relaxed load + store, which
// compiles to a plain add on x86 but is race-free in C++ terms.
class Counter {
public:
    void add(uint64_t n) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    uint64_t get() const { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> v_{0};
};

// One worker's view of one port.
struct alignas(64) PortCounters {
    Counter rx_packets;  // frames received from the port (including those later dropped)
    Counter rx_bytes;    // bytes of those frames (L2, no FCS)
    Counter tx_packets;  // frames handed to the port and accepted by it
    Counter tx_bytes;    // bytes of those frames
    Counter flooded;     // frames received here that were flooded (broadcast, multicast, unknown)
    Counter learn_full;  // source MACs not learned because the FDB was full (frame still forwarded)
    Counter tx_throttled;      // rounds the guest's TX ring was left alone: out of tx-rate credit
    Counter rx_queued;         // frames that entered the guest-RX shaping queue
    Counter rx_queued_bytes;   // their bytes
    std::array<Counter, kDropReasonCount> drops;  // dropped frames by reason

    void drop(DropReason r, uint64_t n = 1) { drops[static_cast<unsigned>(r)].add(n); }
};

// A plain snapshot of counters, summed over workers, for reporting.
struct PortCountersTotal {
    uint64_t rx_packets = 0;                           // see PortCounters
    uint64_t rx_bytes = 0;                             // see PortCounters
    uint64_t tx_packets = 0;                           // see PortCounters
    uint64_t tx_bytes = 0;                             // see PortCounters
    uint64_t flooded = 0;                              // see PortCounters
    uint64_t learn_full = 0;                           // see PortCounters
    uint64_t tx_throttled = 0;                         // see PortCounters
    uint64_t rx_queued = 0;                            // see PortCounters
    uint64_t rx_queued_bytes = 0;                      // see PortCounters
    std::array<uint64_t, kDropReasonCount> drops{};    // see PortCounters

    void accumulate(const PortCounters& c);
    uint64_t total_drops() const;
};

}  // namespace vsw::telemetry
