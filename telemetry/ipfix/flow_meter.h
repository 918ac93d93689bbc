// IPFIX metering in the datapath. Each PMD worker meters the frames it receives into its own
// flow cache (no locks) and hands the records that leave the cache to the exporter thread through
// its own SP/SC ring. A full ring loses the record, counted: the datapath never waits.
#pragma once

#include <cstdint>

#include "core/burst.h"
#include "core/limits.h"
#include "telemetry/ipfix/flow_cache.h"
#include "telemetry/port_counters.h"

struct rte_mbuf;
struct rte_ring;

namespace vsw {

// One worker's metering state: written by that worker while a snapshot lists it, read by the
// control thread (counters) and drained by the exporter (ring; the cache itself once retired).
struct FlowMeter {
    // Allocates the cache and the ring (control thread). `ok()` tells whether the ring exists.
    FlowMeter(uint32_t max_flows, uint32_t ring_records, const char* ring_name);
    ~FlowMeter();
    FlowMeter(const FlowMeter&) = delete;
    FlowMeter& operator=(const FlowMeter&) = delete;
    bool ok() const { return records != nullptr; }

    telemetry::FlowCache cache;
    rte_ring* records = nullptr;  // FlowRecord elements, worker -> exporter
    uint32_t countdown = 1;       // deterministic sampling: frames until the next metered one
    uint64_t swept_ms = 0;        // meter_tick(): the clock when it last looked for timeouts
    struct alignas(64) Counters {
        telemetry::Counter metered;          // frames added to a flow
        telemetry::Counter not_sampled;      // frames sampling passed over
        telemetry::Counter ignored_packets;  // frames not metered: no VLAN (malformed, bad tag)
        telemetry::Counter ignored_octets;
        telemetry::Counter records;       // records that left the cache
        telemetry::Counter lost_records;  // of those, not taken by the full ring
        telemetry::Counter lost_packets;  // frames in the lost records
        telemetry::Counter lost_octets;   // their L2 octets
    } counters;
};

// A plain sum of meters' counters, for reporting.
struct FlowMeterTotals {
    uint64_t metered = 0, not_sampled = 0, ignored_packets = 0, ignored_octets = 0;
    uint64_t records = 0, lost_records = 0, lost_packets = 0, lost_octets = 0;
    void add(const FlowMeter& m);
};

// What the workers read from the snapshot (immutable; null when export is off).
struct FlowExport {
    uint32_t sampling = 1;  // 1 in N
    bool sampling_random = false;
    telemetry::FlowTimeouts timeouts;
    uint64_t tsc_per_ms = 1;             // switch clock
    FlowMeter* meter[kMaxWorkers] = {};  // per worker; owned by the Switch (then the exporter)
};

// Meters one burst received on the port whose IPFIX ingressInterface is `ingress_interface`
// (after decide(): frames that got a VLAN are metered).
void meter_burst(FlowMeter& m, const FlowExport& x, uint16_t ingress_interface,
                 rte_mbuf* const* pkts, uint16_t n, const BurstDecisions& d, uint64_t now_ms);

// Looks at `budget` more cache entries for timeouts.
void meter_expire(FlowMeter& m, const FlowExport& x, uint64_t now_ms, uint32_t budget);

// The whole cache is looked at for timeouts once every kSweepMs (timeouts are whole seconds).
inline constexpr uint64_t kSweepMs = 100;
// A polling round's share of that: nothing within the millisecond of the last look, else the
// entries due since (at most kMaxSweepBudget). Paced by the clock, not by rounds: a busy PMD
// makes hundreds of thousands of rounds a second, and each look reads cache lines the frames
// need.
inline constexpr uint32_t kMaxSweepBudget = 1u << 16;
void meter_tick(FlowMeter& m, const FlowExport& x, uint64_t now_ms);

// Ends every flow of a meter no worker uses any more (forced end), into `emit`.
template <class Emit>
void meter_flush(FlowMeter& m, Emit&& emit) {
    m.cache.flush(telemetry::FlowEndReason::kForced, emit);
}

}  // namespace vsw
