// Copy-on-escape for one copy (vhost/tx_ring_driver.h): a frame whose payload still lies in its
// sender's memory may not outlive the burst. What keeps frames longer -- a NIC's TX ring, the
// shaping queue, a guest backlog -- takes them through owned_frames() first.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "telemetry/port_counters.h"
#include "vhost/guest_frame.h"

namespace vsw {

// Replaces each frame of pkts[0..n) that refers to guest memory by a copy the switch owns; a
// frame there is no mbuf to copy into is freed and counted (no_mbufs). `n` becomes the frames
// kept, in order.
inline void owned_frames(rte_mbuf** pkts, uint16_t& n, telemetry::PortCounters& c) {
    uint16_t kept = 0;
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = vhost::own_frame(pkts[i], pkts[i]->pool);
        if (!m) {
            rte_pktmbuf_free(pkts[i]);
            c.drop(DropReason::kNoMbufs);
            continue;
        }
        pkts[kept++] = m;
    }
    n = kept;
}

}  // namespace vsw
