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
// fills its virtio-net header from the metadata); an ethdev port whose device has the offload
// gets it with headers of its own and the device's metadata (its rte_eth_tx_prepare writes
// into them); any other destination (a guest without them, a device without them, a mirror)
// gets MTU-sized segments, or a copy with its checksum complete. The frame itself is never
// written to: it may be shared by a flood.
//
// MTU (each port's mtu=): a frame without a TSO request must fit the port it comes from and the
// port it goes to (as on the Linux bridge, the Ethernet header and one VLAN tag do not count);
// a TSO request must fit the source's MTU, and segments are cut small enough for each
// destination's. Frames that cannot fit are dropped as over_mtu.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "core/limits.h"
#include "offload/tcp_layout.h"
#include "src/datapath/ethdev_port.h"
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

// Checks the offload requests of a burst received from a guest whose port has `mtu`: accepted
// frames get TX metadata, refused ones are freed and counted (bad_offload); the burst is
// compacted. Returns how many frames remain.
uint16_t accept_guest_offloads(rte_mbuf** pkts, uint16_t n, uint16_t mtu,
                               telemetry::PortCounters& c);

constexpr uint32_t kEtherHeader = 14;

// The bytes of `m` that count against an MTU: all but the Ethernet header and one VLAN tag.
uint32_t mtu_length(const rte_mbuf* m);

// The longest frame of a burst that carries no TSO request.
inline uint32_t longest_unsegmented(rte_mbuf* const* pkts, uint16_t n) {
    uint32_t longest = 0;
    for (uint16_t i = 0; i < n; ++i)
        if (!(pkts[i]->ol_flags & RTE_MBUF_F_TX_TCP_SEG))
            longest = pkts[i]->pkt_len > longest ? pkts[i]->pkt_len : longest;
    return longest;
}

// Frames of a received burst over the port's `mtu` without a TSO request are freed and counted
// (over_mtu); the burst is compacted. Returns how many remain.
uint16_t drop_over_mtu_slow(rte_mbuf** pkts, uint16_t n, uint16_t mtu, telemetry::PortCounters& c);
inline uint16_t drop_over_mtu(rte_mbuf** pkts, uint16_t n, uint16_t mtu,
                              telemetry::PortCounters& c) {
    if (longest_unsegmented(pkts, n) <= mtu + kEtherHeader) return n;  // the usual case
    return drop_over_mtu_slow(pkts, n, mtu, c);
}

// What a destination takes of a guest's offloads, and its MTU.
struct EgressOffloads {
    bool csum = false;    // partial checksums
    bool tso4 = false;    // large TCP/IPv4 frames
    bool tso6 = false;    // large TCP/IPv6 frames
    uint16_t mtu = 1500;  // largest L2 payload of a frame or segment it takes
    // A device (NIC) does them: a frame it takes gets its own headers and the segment size it
    // is to cut, whatever the guest asked (it is the device that must fit the MTU), at most
    // device_segment bytes of IP packet.
    bool device = false;
    uint16_t device_segment = 0;
};
// What a guest whose port has offloads=on takes, from the virtio-net features it negotiated.
EgressOffloads guest_egress_offloads(uint64_t virtio_features, uint16_t mtu);
// What a device whose port has offloads=on takes: what it does itself.
EgressOffloads device_egress_offloads(const DeviceOffloads& d, uint16_t mtu);

// Whether a burst needs the egress step for a destination of `mtu`: offloaded frames, or a frame
// too large for it (a tagged full-size frame is not: its tag does not count).
inline bool needs_egress_step(rte_mbuf* const* pkts, uint16_t n, uint16_t mtu) {
    uint64_t flags = 0;
    bool over = false;
    for (uint16_t i = 0; i < n; ++i) {
        const rte_mbuf* m = pkts[i];
        flags |= m->ol_flags;
        over |= m->pkt_len > mtu + kEtherHeader && mtu_length(m) > mtu;
    }
    return (flags & kOffloadFlags) || over;
}

// For wire_frames: segments as large as the guest asked for (a mirror copy shows the frame as it
// would be on the source's wire).
constexpr uint32_t kSourceMtu = UINT32_MAX;

// How many segments a TSO frame becomes for a destination of `mtu`; above offload::kMaxSegments
// (or 0) it cannot be sent there.
uint32_t segments_for(const rte_mbuf* m, uint32_t mtu);

// The frames a destination that takes none of the offloads gets for `m` (which has
// kOffloadFlags): its segments, at most `mtu` bytes of IP packet each, or a copy with its
// checksum complete, into `out` (room for offload::kMaxSegments). `m` is not consumed. 0 if no
// mbuf was left (or the frame no longer reads as it did at ingress, which cannot happen, or
// would take more than kMaxSegments segments, which send_prepared checks first).
uint16_t wire_frames(rte_mbuf* m, rte_mempool* pool, rte_mbuf** out, uint32_t mtu);

// Sends pkts[0..n) to a destination that takes `can`: what it cannot take as it is is replaced by
// wire_frames(); `send(frames, k)` gets bursts of at most kBurst. Frames too large for it are
// counted as over_mtu on `c`, frames that could not be made as no_mbufs, segments made as
// tx_segments.
template <class Send>
void send_prepared(const EgressOffloads& can, rte_mbuf** pkts, uint16_t n, rte_mempool* pool,
                   telemetry::PortCounters& c, Send&& send);

// Whether the destination takes `m` (which fits its MTU or is a TSO frame) as it is.
inline bool takes_as_is(const EgressOffloads& can, const rte_mbuf* m) {
    const uint64_t f = m->ol_flags;
    if (!(f & kOffloadFlags)) return true;
    if (f & RTE_MBUF_F_TX_TCP_SEG) {
        if (!((f & RTE_MBUF_F_TX_IPV6) ? can.tso6 : can.tso4)) return false;
        const auto ip_headers = static_cast<uint32_t>(m->l3_len + m->l4_len);
        if (can.device) return can.device_segment >= ip_headers + offload::kMinSegmentPayload;
        return ip_headers + m->tso_segsz <= can.mtu;
    }
    return can.csum;
}

// For a device that takes `m` (takes_as_is): a frame with headers of its own and the metadata
// the device needs (segment size within device_segment, the IPv4 header checksum of each
// segment). Null if no mbuf was left. `m` is not consumed.
rte_mbuf* for_device(rte_mbuf* m, const EgressOffloads& can, rte_mempool* pool);

// Whether `m` can go to the destination at all: a frame within its MTU, or a TSO frame whose
// segments for it are few enough.
inline bool fits(const EgressOffloads& can, const rte_mbuf* m) {
    if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
        const uint32_t k = segments_for(m, can.mtu);
        return k != 0 && k <= offload::kMaxSegments;
    }
    return m->pkt_len <= can.mtu + kEtherHeader || mtu_length(m) <= can.mtu;
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
        if (!fits(can, m)) {
            rte_pktmbuf_free(m);
            c.drop(DropReason::kOverMtu);
            continue;
        }
        if (takes_as_is(can, m)) {
            if (!can.device || !(m->ol_flags & kOffloadFlags)) {
                put(m);
                continue;
            }
            rte_mbuf* own = for_device(m, can, pool);
            rte_pktmbuf_free(m);
            if (own) put(own);
            else c.drop(DropReason::kNoMbufs);
            continue;
        }
        rte_mbuf* made[offload::kMaxSegments];
        const bool segmented = m->ol_flags & RTE_MBUF_F_TX_TCP_SEG;
        const uint16_t got = wire_frames(m, pool, made, can.mtu);
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
