// sFlow packet sampling in the datapath. Each PMD worker samples the frames it receives on the
// ports whose feature word has port_feature::kSflow, 1 in N at random, and hands each sample
// (the frame's first bytes, its ports and VLANs) to the sFlow agent through its own SP/SC ring.
// Between samples a burst costs one subtraction: each port keeps a countdown to its next sample,
// drawn afresh after every sample so that the gaps average N (as OVS and hsflowd skip).
// A full ring loses the sample, counted as the sFlow "drops" of its port: the datapath never
// waits.
#pragma once

#include <cstdint>

#include "core/burst.h"
#include "core/limits.h"
#include "telemetry/port_counters.h"
#include "telemetry/sflow/sflow_config.h"

struct rte_mbuf;
struct rte_ring;

namespace vsw {

// One sampled frame as a worker hands it over (a fixed-size ring element).
struct SflowSampleRecord {
    uint16_t slot = 0;           // the port it was received on (its ifIndex is slot + 1)
    uint16_t header_len = 0;     // bytes of header[] used
    uint32_t frame_length = 0;   // the whole frame, as received
    uint32_t output_format = 0;  // sFlow interface format: 0 a port, 1 dropped, 2 flooded
    uint32_t output_value = 0;   // its ifIndex / reason / how many ports
    uint32_t sample_pool = 0;    // frames this worker could have sampled on the port so far
    uint32_t drops = 0;          // this worker's samples of the port lost so far (ring full)
    uint16_t vlan = 0;           // the VLAN inside the switch (in and out); 0: none decided
    uint8_t priority = 0;        // 802.1p priority of its tag
    uint8_t has_vlan = 0;        // 1: the frame got a VLAN (extended switch record)
    uint8_t header[kMaxSflowHeaderBytes];  // the frame's first bytes
};

// One worker's sampling state: written by that worker while a snapshot lists it, read by the
// control thread (counters) and drained by the agent (ring).
struct SflowSampler {
    // Allocates the ring (control thread); `ok()` tells whether it exists.
    SflowSampler(uint32_t ring_samples, const char* ring_name);
    ~SflowSampler();
    SflowSampler(const SflowSampler&) = delete;
    SflowSampler& operator=(const SflowSampler&) = delete;
    bool ok() const { return samples != nullptr; }

    rte_ring* samples = nullptr;  // SflowSampleRecord elements, worker -> agent
    struct PortState {
        uint32_t countdown = 0;  // frames until the next sample (0: not drawn yet)
        uint32_t drawn_for = 0;  // the rate the countdown was drawn for (a new rate draws again)
        uint32_t pool = 0;       // frames that could have been sampled (sFlow's sample_pool)
        uint32_t drops = 0;      // samples lost
    } port[kMaxPorts];
    struct alignas(64) Counters {
        telemetry::Counter sampled;  // samples handed over
        telemetry::Counter lost;     // samples the full ring did not take
    } counters;
};

// What the workers read from the snapshot (immutable; null when sFlow is off).
struct SflowSampling {
    uint32_t rate = kDefaultSflowSampling;    // 1 in N
    uint32_t header_bytes = 128;              // bytes of each sampled frame handed over
    uint16_t flood_ports = 0;                 // ports a flood may reach (sFlow's "how many")
    uint16_t remote_ifindex = 0;              // the VTEP port's ifIndex: frames to a remote VTEP
    SflowSampler* sampler[kMaxWorkers] = {};  // per worker; owned by the sFlow controller
};

// The next gap between samples: uniform in 1..2N-1, so that it averages N.
uint32_t sflow_next_gap(uint32_t rate);

// Takes the samples due in a burst whose countdown ends in it (or that has a new rate).
void sflow_take_samples(SflowSampler& s, const SflowSampling& x, uint16_t slot,
                        rte_mbuf* const* pkts, uint16_t n, const BurstDecisions& d);

// Samples one burst received on port `slot` (after decide(): the decisions give each frame's
// output and VLAN). Inline: most bursts only count down.
inline void sflow_sample_burst(SflowSampler& s, const SflowSampling& x, uint16_t slot,
                               rte_mbuf* const* pkts, uint16_t n, const BurstDecisions& d) {
    SflowSampler::PortState& ps = s.port[slot];
    if (ps.countdown > n && ps.drawn_for == x.rate) [[likely]] {
        ps.countdown -= n;
        ps.pool += n;
        return;
    }
    sflow_take_samples(s, x, slot, pkts, n, d);
}

}  // namespace vsw
