#include "telemetry/ipfix/flow_meter.h"

#include <emmintrin.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>

#include "core/mbuf.h"

namespace vsw {

using telemetry::FlowKey;
using telemetry::FlowRecord;
using telemetry::FlowSample;

FlowMeter::FlowMeter(uint32_t max_flows, uint32_t ring_records, const char* ring_name)
    : cache(max_flows) {
    records = rte_ring_create_elem(ring_name, sizeof(FlowRecord), ring_records, SOCKET_ID_ANY,
                                   RING_F_SP_ENQ | RING_F_SC_DEQ);
}

FlowMeter::~FlowMeter() {
    rte_ring_free(records);
}

void FlowMeterTotals::add(const FlowMeter& m) {
    const FlowMeter::Counters& c = m.counters;
    metered += c.metered.get();
    not_sampled += c.not_sampled.get();
    ignored_packets += c.ignored_packets.get();
    ignored_octets += c.ignored_octets.get();
    records += c.records.get();
    lost_records += c.lost_records.get();
    lost_packets += c.lost_packets.get();
    lost_octets += c.lost_octets.get();
}

namespace {

// Sends a record to the exporter, or counts it lost.
struct ToRing {
    FlowMeter& m;
    void operator()(const FlowRecord& r) const {
        m.counters.records.add(1);
        FlowRecord copy = r;  // the ring API takes a non-const pointer
        if (rte_ring_sp_enqueue_elem(m.records, &copy, sizeof copy) != 0) {
            m.counters.lost_records.add(1);
            m.counters.lost_packets.add(r.c.packets);
            m.counters.lost_octets.add(r.c.l2_octets);
        }
    }
};

// Adds frame `s` to `run`, the sample of the frames of one flow met just before it in the same
// burst: the cache is then updated once for the run. A frame that ends its flow (FIN, RST) ends
// the run after it, so that what follows starts a new record as it would frame by frame.
inline bool ends_flow(const FlowSample& s) {
    return s.tcp_flags & (telemetry::kTcpFin | telemetry::kTcpRst);
}

// Two untagged IPv4 frames without IP options whose first 48 bytes are equal have the same flow
// key and sample, given the same length and VLAN: the MACs, the IPv4 header (addresses,
// protocol, TOS, length, fragment offset), the ports or ICMP type and code, and TCP's flags at
// byte 47. 48 bytes: three 16-byte compares. (Anything else is parsed frame by frame.)
constexpr uint16_t kSameHeaderBytes = 48;
inline bool plain_ipv4(const uint8_t* frame) {
    return frame[12] == 0x08 && frame[13] == 0x00 && frame[14] == 0x45;
}
inline bool same_headers(const uint8_t* a, const uint8_t* b) {
    __m128i diff = _mm_setzero_si128();
    for (unsigned at = 0; at < kSameHeaderBytes; at += 16)
        diff = _mm_or_si128(
            diff, _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + at)),
                                _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + at))));
    return _mm_movemask_epi8(_mm_cmpeq_epi8(diff, _mm_setzero_si128())) == 0xffff;
}

inline bool joins_run(const FlowSample& run, const FlowKey& run_key, uint64_t run_hash,
                      const FlowKey& key, uint64_t hash) {
    return hash == run_hash && !ends_flow(run) && telemetry::FlowCache::same_key(key, run_key);
}

inline void add_to_run(FlowSample& run, const FlowSample& s) {
    run.packets += s.packets;
    run.l2_octets += s.l2_octets;
    run.ip_octets += s.ip_octets;
    run.tcp_flags = static_cast<uint16_t>(run.tcp_flags | s.tcp_flags);  // tos: the first's
}

}  // namespace

void meter_burst(FlowMeter& m, const FlowExport& x, uint16_t ingress_interface,
                 rte_mbuf* const* pkts, uint16_t n, const BurstDecisions& d, uint64_t now_ms) {
    FlowKey keys[kBurst];
    // Written before they are read: left uninitialised (FlowSample's defaults would have the
    // 512 bytes written once more for every burst).
    union Sample {
        Sample() {}
        FlowSample s;
    } sample_slots[kBurst];
    static_assert(sizeof(Sample) == sizeof(FlowSample));
    uint64_t hashes[kBurst];
    uint16_t k = 0, metered = 0;
    uint64_t ignored_octets = 0, not_sampled = 0;
    // The last frame whose key was read, while a frame like it byte for byte (its headers, its
    // length and VLAN) may join its run without being parsed again.
    const uint8_t* last = nullptr;
    uint32_t last_len = 0;
    uint16_t last_vlan = 0;
    FlowSample last_sample;
    // Pass 1: the keys of the frames to meter.
    for (uint16_t i = 0; i < n; ++i) {
        const rte_mbuf* f = pkts[i];
        if (!d.classified[i]) {
            ignored_octets += f->pkt_len;
            continue;
        }
        if (x.sampling > 1) {
            const bool take =
                x.sampling_random ? rte_rand_max(x.sampling) == 0 : --m.countdown == 0;
            if (!take) {
                ++not_sampled;
                continue;
            }
            m.countdown = x.sampling;
        }
        ++metered;
        const auto* bytes = rte_pktmbuf_mtod(f, const uint8_t*);
        const bool plain =
            f->data_len >= kSameHeaderBytes && plain_ipv4(bytes) && wire_packets(f) == 1;
        if (plain && last && f->pkt_len == last_len && d.vlan[i].vlan == last_vlan &&
            same_headers(bytes, last) && !ends_flow(sample_slots[k - 1].s)) {
            add_to_run(sample_slots[k - 1].s, last_sample);  // the same key and the same sample
            continue;
        }
        telemetry::read_flow_key(bytes, f->data_len, f->pkt_len, ingress_interface, d.vlan[i].vlan,
                                 keys[k], sample_slots[k].s);
        if (const uint32_t segments = wire_packets(f); segments > 1) {  // counted as on a wire
            sample_slots[k].s.packets = segments;
            sample_slots[k].s.l2_octets = static_cast<uint32_t>(wire_bytes(f));
            sample_slots[k].s.ip_octets += (segments - 1) * (f->l3_len + f->l4_len);
        }
        last = plain ? bytes : nullptr;
        last_len = f->pkt_len;
        last_vlan = d.vlan[i].vlan;
        last_sample = sample_slots[k].s;
        ++k;
    }
    // Pass 2, apart from pass 1: a key is read as words just after being written field by
    // field, and a load that straddles several pending stores waits for all of them to retire
    // (it cost more than the rest of the meter). Consecutive frames of one flow become one run:
    // a burst usually carries few flows.
    uint16_t runs = 0;
    for (uint16_t i = 0; i < k; ++i) {
        const uint64_t h = telemetry::FlowCache::hash(keys[i]);
        if (runs &&
            joins_run(sample_slots[runs - 1].s, keys[runs - 1], hashes[runs - 1], keys[i], h)) {
            add_to_run(sample_slots[runs - 1].s, sample_slots[i].s);
            continue;
        }
        if (runs != i) {
            keys[runs] = keys[i];
            sample_slots[runs].s = sample_slots[i].s;
        }
        hashes[runs] = h;
        m.cache.prefetch(h);
        ++runs;
    }
    // The signature lines are (being) loaded: find each run's entry and start loading it too,
    // so that a cache far larger than the CPU's costs overlapping misses, not one after another.
    for (uint16_t i = 0; i < runs; ++i) m.cache.prefetch_entry(hashes[i]);
    for (uint16_t i = 0; i < runs; ++i)
        m.cache.update(keys[i], hashes[i], sample_slots[i].s, now_ms, x.timeouts, ToRing{m});
    m.counters.metered.add(metered);
    if (not_sampled) m.counters.not_sampled.add(not_sampled);
    if (const uint64_t ignored = n - metered - not_sampled) {
        m.counters.ignored_packets.add(ignored);
        m.counters.ignored_octets.add(ignored_octets);
    }
}

void meter_expire(FlowMeter& m, const FlowExport& x, uint64_t now_ms, uint32_t budget) {
    m.cache.expire(now_ms, x.timeouts, budget, ToRing{m});
}

void meter_tick(FlowMeter& m, const FlowExport& x, uint64_t now_ms) {
    if (now_ms == m.swept_ms) return;
    const uint64_t elapsed = now_ms - m.swept_ms;
    m.swept_ms = now_ms;
    if (m.cache.size() == 0) return;
    const uint64_t due = m.cache.capacity() * std::min<uint64_t>(elapsed, kSweepMs) / kSweepMs;
    meter_expire(m, x, now_ms,
                 static_cast<uint32_t>(std::clamp<uint64_t>(due, 1, kMaxSweepBudget)));
}

}  // namespace vsw
