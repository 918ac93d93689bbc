#include "src/datapath/slow_path.h"

#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "core/mbuf.h"
#include "vhost/guest_frame.h"

namespace vsw {

bool punt_frame(rte_ring* ring, PuntReason reason, uint16_t slot, rte_mbuf* m) {
    if (!ring) return false;
    // The control thread keeps the frame past the burst: one that still refers to its guest's
    // memory (vhost/guest_frame.h) goes up as a copy.
    rte_mbuf* up = m;
    if (vhost::references_guest(m)) {
        if (!(up = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX))) return false;
    } else {
        mbuf_share(m, 1);  // the burst frees its own reference as decided
    }
    Punt p{reason, slot, up, {}};
    if (rte_ring_mp_enqueue_elem(ring, &p, sizeof p) == 0) return true;
    if (up == m) mbuf_share(m, -1);
    else rte_pktmbuf_free(up);
    return false;
}

bool punt_guest_arp(rte_ring* ring, const GuestArp& seen) {
    if (!ring) return false;
    Punt p{PuntReason::kGuestArp, seen.slot, nullptr, seen};
    return rte_ring_mp_enqueue_elem(ring, &p, sizeof p) == 0;
}

}  // namespace vsw
