// Storm control: the frames a port floods (broadcast, multicast, unknown unicast) pass a token
// bucket in packets; the excess is dropped as `storm` before anything copies it. One meter per
// port in the worker that polls it (a port's ingress is one worker's), so no atomics. Inline: it
// runs after decide() on ports whose feature word has kStormControl.
#pragma once

#include <cstdint>

#include "core/burst.h"
#include "core/drop_reasons.h"
#include "qos/token_bucket.h"
#include "telemetry/port_counters.h"

namespace vsw {

// A port's storm control as published.
struct StormPolicy {
    uint32_t rate = 0;     // packets/s; 0 = off
    uint32_t burst = 0;    // packets
    uint64_t version = 0;  // changes when rate or burst do: the meter starts afresh
};

// A worker's meter of one port.
struct StormMeter {
    qos::TokenBucket bucket;
    uint64_t version = 0;  // the policy it was started for
};

// Turns the flooded frames of a burst beyond the port's rate into drops (counted as `storm`).
inline void storm_control_burst(StormMeter& m, const StormPolicy& p, BurstDecisions& d, uint16_t n,
                                uint64_t tsc, uint64_t hz, telemetry::PortCounters& c) {
    if (m.version != p.version) {
        m.bucket = qos::TokenBucket(p.rate, p.burst, hz, tsc);
        m.version = p.version;
    }
    uint32_t dropped = 0;
    bool refilled = false;  // only for a burst that floods: most carry unicast only
    for (uint16_t i = 0; i < n; ++i) {
        if (d.out[i] != kOutFlood) continue;
        if (!refilled) {
            m.bucket.refill(tsc);
            refilled = true;
        }
        if (m.bucket.has(1)) {
            m.bucket.charge(1);
        } else {
            d.out[i] = kOutDrop;
            ++dropped;
        }
    }
    if (dropped) c.drop(DropReason::kStorm, dropped);
}

}  // namespace vsw
