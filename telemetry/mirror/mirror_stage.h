// The mirror stage of one PMD worker: copies of frames (mirror_copy) wait in per-session TX
// buffers and leave through the session's output port, flushed when a buffer is full and at
// the end of every polling round, like the normal ones.
//
// ERSPAN copies are numbered by the session's owner worker just before they are buffered, so
// GRE sequence numbers leave in order: copies made by other workers are handed to the owner
// through the session's ring. The stage knows nothing of ports: what leaves goes to
// `send(out_slot, pkts, n)` (the datapath's transmit), which returns how many the port took.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>

#include "core/burst.h"
#include "telemetry/mirror/mirror.h"
#include "vhost/guest_frame.h"

namespace vsw {

// One worker's mirror buffers. Not shared: no locks.
struct MirrorBuffers {
    TxBuffer tx[kMaxMirrors];  // mirrored copies, per session
    uint16_t pending = 0;      // bit i: tx[i] holds frames
};

// Sends session i's buffered copies and counts them.
template <class Send>
void mirror_flush(MirrorBuffers& mb, const MirrorTable& t, unsigned worker, unsigned i,
                  Send&& send) {
    TxBuffer& b = mb.tx[i];
    const uint16_t n = b.n;
    b.n = 0;
    mb.pending = static_cast<uint16_t>(mb.pending & ~(1u << i));
    if (n == 0) return;
    const MirrorSession& s = t.s[i];
    uint32_t len[kBurst];
    for (uint16_t k = 0; k < n; ++k) len[k] = b.pkts[k]->pkt_len;
    const uint16_t sent = send(s.out_slot, b.pkts, n);
    uint64_t bytes = 0;
    for (uint16_t k = 0; k < sent; ++k) bytes += len[k];
    MirrorRuntime::Block& w = s.rt->w[worker];
    w.packets.add(sent);
    w.bytes.add(bytes);
    if (sent < n) w.tx_dropped.add(n - sent);
}

// Puts a copy in session i's TX buffer; an ERSPAN copy gets its sequence number now, in the
// order it will leave.
template <class Send>
void mirror_buffer(MirrorBuffers& mb, const MirrorTable& t, unsigned worker, unsigned i,
                   rte_mbuf* copy, Send&& send) {
    const MirrorSession& s = t.s[i];
    if (is_erspan(s.kind)) number_erspan_copy(s, copy);
    TxBuffer& b = mb.tx[i];
    b.pkts[b.n++] = copy;
    mb.pending = static_cast<uint16_t>(mb.pending | 1u << i);
    if (b.n == kBurst) mirror_flush(mb, t, worker, i, send);
}

// Copies `m` (not consumed) to each session in `mask` that takes frames of `vlan`. `egress_side`:
// `m` is a frame as sent to a source port (else as received from one).
template <class Send>
void mirror_frame(MirrorBuffers& mb, const MirrorTable& t, unsigned worker, rte_mempool* pool,
                  uint16_t mask, rte_mbuf* m, uint16_t vlan, bool egress_side, Send&& send) {
    while (mask) {
        const unsigned i = static_cast<unsigned>(__builtin_ctz(mask));
        mask = static_cast<uint16_t>(mask & (mask - 1));
        const MirrorSession& s = t.s[i];
        if (!s.all_vlans && !s.vlans[vlan & kMaxVlan]) continue;
        MirrorRuntime::Block& w = s.rt->w[worker];
        if (!s.next_hop_known) {
            w.unresolved.add(1);
            continue;
        }
        bool truncated = false;
        rte_mbuf* copy = mirror_copy(s, m, vlan, egress_side, pool, truncated);
        if (!copy) {
            w.no_mbufs.add(1);
            continue;
        }
        if (truncated) w.truncated.add(1);
        if (is_erspan(s.kind) &&
            s.owner != worker) {  // ERSPAN made here: the owner numbers and sends it
            // ... later: a copy that still refers to a guest's memory (one copy) is made whole.
            rte_mbuf* own = vhost::own_frame(copy, pool);
            if (!own) {
                rte_pktmbuf_free(copy);
                w.no_mbufs.add(1);
                continue;
            }
            copy = own;
            if (rte_ring_mp_enqueue(s.rt->handoff, copy) != 0) {
                rte_pktmbuf_free(copy);
                w.tx_dropped.add(1);
            }
            continue;
        }
        mirror_buffer(mb, t, worker, i, copy, send);
    }
}

// Takes the ERSPAN copies other workers made for sessions this worker owns.
template <class Send>
void mirror_take_handoffs(MirrorBuffers& mb, const MirrorTable& t, unsigned worker, Send&& send) {
    for (unsigned i = 0; i < t.n; ++i) {
        const MirrorSession& s = t.s[i];
        if (!is_erspan(s.kind) || s.owner != worker || !s.rt->handoff) continue;
        rte_mbuf* copies[kBurst];
        const unsigned n = rte_ring_sc_dequeue_burst(
            s.rt->handoff, reinterpret_cast<void**>(copies), kBurst, nullptr);
        for (unsigned k = 0; k < n; ++k) mirror_buffer(mb, t, worker, i, copies[k], send);
    }
}

// Sends every buffered copy: the end of a polling round.
template <class Send>
void mirror_flush_all(MirrorBuffers& mb, const MirrorTable& t, unsigned worker, Send&& send) {
    while (mb.pending)
        mirror_flush(mb, t, worker, static_cast<unsigned>(__builtin_ctz(mb.pending)), send);
}

}  // namespace vsw
