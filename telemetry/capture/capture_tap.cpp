#include "telemetry/capture/capture_tap.h"

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "telemetry/capture/capture_filter.h"

namespace vsw {

void capture_burst(CaptureTap& tap, unsigned worker, rte_mbuf* const* pkts, uint16_t n,
                   uint8_t direction, uint64_t tsc) {
    CaptureTap::Block& w = tap.w[worker];
    rte_mbuf* copies[kBurst];
    uint64_t match[kBurst];
    if (tap.filter) tap.filter->run(pkts, n, match);
    unsigned k = 0;
    for (uint16_t i = 0; i < n; ++i) {
        if (tap.filter && !match[i]) continue;
        rte_mbuf* c = rte_pktmbuf_copy(pkts[i], tap.pool, 0, tap.snaplen);
        if (!c) {
            w.no_mbufs.add(1);
            continue;
        }
        auto* meta = reinterpret_cast<CaptureMeta*>(rte_pktmbuf_prepend(c, sizeof(CaptureMeta)));
        if (!meta) {  // cannot happen: a fresh mbuf has RTE_PKTMBUF_HEADROOM bytes in front
            rte_pktmbuf_free(c);
            w.no_mbufs.add(1);
            continue;
        }
        meta->tsc = tsc;
        meta->orig_len = pkts[i]->pkt_len;
        meta->direction = direction;
        copies[k++] = c;
    }
    const unsigned queued =
        rte_ring_mp_enqueue_burst(tap.ring, reinterpret_cast<void**>(copies), k, nullptr);
    if (queued < k) {
        rte_pktmbuf_free_bulk(copies + queued, k - queued);
        w.ring_full.add(k - queued);
    }
    w.copied.add(queued);
}

void capture_sent_burst(CaptureTap& tap, unsigned worker, rte_mbuf* const* pkts, uint16_t n) {
    capture_burst(tap, worker, pkts, n, kCaptureTx, rte_rdtsc());
}

}  // namespace vsw
