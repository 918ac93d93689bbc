// Per-port traffic counters. Each PMD worker owns one PortCounters block per port (single
// writer, no atomic read-modify-write on the hot path); the control thread sums the blocks.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "core/drop_reasons.h"
#include "telemetry/last_violation.h"

namespace vsw::telemetry {

// A counter written by exactly one thread and read by others: relaxed load + store, which
// compiles to a plain add on x86 but is race-free in C++ terms.
class Counter {
  public:
    void add(uint64_t n) {
        v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    uint64_t get() const { return v_.load(std::memory_order_relaxed); }

  private:
    std::atomic<uint64_t> v_{0};
};

// The port counters, once: the struct fields, their sums, `vswctl stats` and Prometheus all
// follow these lists, so a new counter cannot be counted without also being reported.
//   X(field, help)
// Traffic counters: top-level fields of a port's stats, Prometheus vsw_port_<field>_total.
#define VSW_PORT_TRAFFIC_COUNTERS(X)                                                               \
    X(rx_packets, "Frames received from the port (including those later dropped).")                \
    X(rx_bytes, "Bytes received from the port (L2, no FCS).")                                      \
    X(tx_packets, "Frames sent to the port (handed to it and accepted).")                          \
    X(tx_bytes, "Bytes sent to the port.")                                                         \
    X(flooded, "Frames from the port that were flooded (broadcast, multicast, unknown).")          \
    X(learn_full, "Source MACs from the port not learned because the FDB was full.")               \
    X(tx_segments,                                                                                 \
      "Segments vsw cut for the port from large frames it does not take (software TSO).")          \
    X(to_control,                                                                                  \
      "Frames from the port handed to vswd's control thread (the slow path: ARP for the VTEP and " \
      "next hops, link-local frames a feature claims).")                                           \
    X(rx_held,                                                                                     \
      "PMD rounds in which the port was not polled: frames it sent wait for a guest's full RX "    \
      "ring (backpressure).")                                                                      \
    X(tx_waited,                                                                                   \
      "Frames to the port that waited in vsw because its guest's RX ring was full (sent later, "   \
      "or dropped as tx_full or port_down).")
// Shaping counters: reported inside the port's tx_shaping / rx_shaping views.
#define VSW_PORT_SHAPING_COUNTERS(X)                                     \
    X(tx_throttled, "PMD rounds in which guest TX waited for tokens.")   \
    X(rx_queued, "Frames that went through the guest-RX shaping queue.") \
    X(rx_queued_bytes, "Bytes that went through the guest-RX shaping queue.")

// One worker's view of one port.
struct alignas(64) PortCounters {
#define VSW_X(field, help) Counter field;
    VSW_PORT_TRAFFIC_COUNTERS(VSW_X)
    VSW_PORT_SHAPING_COUNTERS(VSW_X)
#undef VSW_X
    std::array<Counter, kDropReasonCount> drops;  // dropped frames by reason
    LastViolation last_violation;                 // what port security refused last

    void drop(DropReason r, uint64_t n = 1) {
        drops[static_cast<unsigned>(r)].add(n);
    }
};

// A plain snapshot of counters, summed over workers, for reporting.
struct PortCountersTotal {
#define VSW_X(field, help) uint64_t field = 0;
    VSW_PORT_TRAFFIC_COUNTERS(VSW_X)
    VSW_PORT_SHAPING_COUNTERS(VSW_X)
#undef VSW_X
    std::array<uint64_t, kDropReasonCount> drops{};  // see PortCounters

    void accumulate(const PortCounters& c);
    uint64_t total_drops() const;
};

}  // namespace vsw::telemetry
