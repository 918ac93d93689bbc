// Guest offloads on the datapath (offload/ does the work on bytes).
//
// Ingress: a guest that negotiated CSUM / HOST_TSO may send large TCP frames and frames with a
// partial checksum; rte_vhost (in its compliant mode) marks them with RX flags and the guest's
// segment size. Each one is checked against its own bytes (never the guest's header alone) and
// given the TX metadata the rest of the switch uses (RTE_MBUF_F_TX_TCP_SEG, the checksum flag,
// header lengths), or dropped and counted as bad_offload.
//
// Egress: per destination, a frame passes as it is to a guest that negotiated what it needs
// (GUEST_TSO4/6 and GUEST_CSUM for a large frame, GUEST_CSUM for a partial checksum: rte_vhost
// fills its virtio-net header from the metadata); any other destination (a guest without them,
// an ethdev port, a mirror) gets MTU-sized segments, or a copy with its checksum complete. The
// frame itself is never written to: it may be shared by a flood.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "core/limits.h"
#include "offload/tcp_layout.h"
#include "src/datapath/port.h"
#include "telemetry/port_counters.h"

namespace vsw {

// The metadata of a frame accepted with an offload request.
constexpr uint64_t kOffloadFlags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK;

// Whether a received burst carries offload requests (rte_vhost's RX flags).
inline bool offloads_requested(rte_mbuf* const* pkts, uint16_t n) {
    uint64_t flags = 0;
    for (uint16_t i = 0; i < n; ++i) flags |= pkts[i]->ol_flags;
    return flags & (RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_MASK);
}

// Whether a burst holds frames accepted with an offload request.
inline bool any_offloaded(rte_mbuf* const* pkts, uint16_t n) {
    uint64_t flags = 0;
    for (uint16_t i = 0; i < n; ++i) flags |= pkts[i]->ol_flags;
    return flags & kOffloadFlags;
}

// Checks the offload requests of a burst received from a guest: accepted frames get TX
// metadata, refused ones are freed and counted (bad_offload); the burst is compacted. Returns
// how many frames remain.
uint16_t accept_guest_offloads(rte_mbuf** pkts, uint16_t n, telemetry::PortCounters& c);

// What a destination takes of a guest's offloads.
struct EgressOffloads {
    bool csum = false;  // partial checksums
    bool tso4 = false;  // large TCP/IPv4 frames
    bool tso6 = false;  // large TCP/IPv6 frames
};
EgressOffloads egress_offloads(const Port& p);

// The frames a destination that takes none of the offloads gets for `m` (which has
// kOffloadFlags): its segments, or a copy with its checksum complete, into `out` (room for
// offload::kMaxSegments). `m` is not consumed. 0 if no mbuf was left (or the frame no longer
// reads as it did at ingress, which cannot happen).
uint16_t wire_frames(rte_mbuf* m, rte_mempool* pool, rte_mbuf** out);

// Sends pkts[0..n) to a destination that takes `can`: what it cannot take as it is is replaced by
// wire_frames(); `send(frames, k)` gets bursts of at most kBurst. Frames that could not be made
// are counted as no_mbufs on `c`, segments made as tx_segments.
template <class Send>
void send_prepared(const EgressOffloads& can, rte_mbuf** pkts, uint16_t n, rte_mempool* pool,
                   telemetry::PortCounters& c, Send&& send);

// Whether the destination takes `m` as it is.
inline bool takes_as_is(const EgressOffloads& can, const rte_mbuf* m) {
    const uint64_t f = m->ol_flags;
    if (!(f & kOffloadFlags)) return true;
    if (f & RTE_MBUF_F_TX_TCP_SEG) return (f & RTE_MBUF_F_TX_IPV6) ? can.tso6 : can.tso4;
    return can.csum;
}

template <class Send>
void send_prepared(const EgressOffloads& can, rte_mbuf** pkts, uint16_t n, rte_mempool* pool,
                   telemetry::PortCounters& c, Send&& send) {
    rte_mbuf* out[kBurst];
    uint16_t k = 0;
    auto put = [&](rte_mbuf* m) {
        out[k++] = m;
        if (k == kBurst) {
            send(out, k);
            k = 0;
        }
    };
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        if (takes_as_is(can, m)) {
            put(m);
            continue;
        }
        rte_mbuf* made[offload::kMaxSegments];
        const bool segmented = m->ol_flags & RTE_MBUF_F_TX_TCP_SEG;
        const uint16_t got = wire_frames(m, pool, made);
        rte_pktmbuf_free(m);  // the frames made hold what they need of it
        if (got == 0) {
            c.drop(DropReason::kNoMbufs);
            continue;
        }
        if (segmented) c.tx_segments.add(got);
        for (uint16_t s = 0; s < got; ++s) put(made[s]);
    }
    if (k) send(out, k);
}

}  // namespace vsw
