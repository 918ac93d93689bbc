#include "telemetry/sflow/sflow_sampler.h"

#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <cstring>

namespace vsw {

SflowSampler::SflowSampler(uint32_t ring_samples, const char* ring_name) {
    samples = rte_ring_create_elem(ring_name, sizeof(SflowSampleRecord), ring_samples,
                                   SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
}

SflowSampler::~SflowSampler() {
    rte_ring_free(samples);
}

uint32_t sflow_next_gap(uint32_t rate) {
    if (rate <= 1) return 1;
    return 1 + static_cast<uint32_t>(rte_rand_max(2 * uint64_t{rate} - 1));
}

namespace {

// Fills the record of frame i and hands it over (or counts it lost).
void take_sample(SflowSampler& s, const SflowSampling& x, uint16_t slot, const rte_mbuf* f,
                 const BurstDecisions& d, uint16_t i) {
    SflowSampler::PortState& ps = s.port[slot];
    SflowSampleRecord r;
    r.slot = slot;
    r.frame_length = f->pkt_len;
    r.header_len = static_cast<uint16_t>(std::min<uint32_t>(x.header_bytes, f->pkt_len));
    const void* bytes = rte_pktmbuf_read(f, 0, r.header_len, r.header);
    if (bytes != r.header) memcpy(r.header, bytes, r.header_len);  // contiguous: not copied yet
    const int16_t out = d.out[i];
    if (out >= 0) {
        r.output_value = static_cast<uint32_t>(out) + 1;
    } else if (out == kOutFlood) {
        r.output_format = 2;
        r.output_value = x.flood_ports;
    } else if (out == kOutRemote) {
        r.output_value = x.remote_ifindex;
    } else {
        r.output_format = 1;
        r.output_value = 256;  // sFlow's "unknown" discard reason: the port counts why
    }
    if (d.classified[i]) {
        r.has_vlan = 1;
        r.vlan = d.vlan[i].vlan;
        r.priority = d.vlan[i].pcp;
    }
    r.sample_pool = ps.pool;
    r.drops = ps.drops;
    if (rte_ring_sp_enqueue_elem(s.samples, &r, sizeof r) == 0) {
        s.counters.sampled.add(1);
    } else {
        ++ps.drops;
        s.counters.lost.add(1);
    }
}

}  // namespace

void sflow_take_samples(SflowSampler& s, const SflowSampling& x, uint16_t slot,
                        rte_mbuf* const* pkts, uint16_t n, const BurstDecisions& d) {
    SflowSampler::PortState& ps = s.port[slot];
    if (ps.drawn_for != x.rate) {
        ps.countdown = sflow_next_gap(x.rate);
        ps.drawn_for = x.rate;
    }
    for (uint16_t i = 0; i < n; ++i) {
        ++ps.pool;
        if (--ps.countdown) continue;
        take_sample(s, x, slot, pkts[i], d, i);
        ps.countdown = sflow_next_gap(x.rate);
    }
}

}  // namespace vsw
