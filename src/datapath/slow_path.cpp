#include "src/datapath/slow_path.h"

#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "core/mbuf.h"

namespace vsw {

bool punt_frame(rte_ring* ring, PuntReason reason, uint16_t slot, rte_mbuf* m) {
    if (!ring) return false;
    mbuf_share(m, 1);  // the burst frees its own reference as decided
    Punt p{reason, slot, m, {}};
    if (rte_ring_mp_enqueue_elem(ring, &p, sizeof p) == 0) return true;
    mbuf_share(m, -1);
    return false;
}

bool punt_guest_arp(rte_ring* ring, const GuestArp& seen) {
    if (!ring) return false;
    Punt p{PuntReason::kGuestArp, seen.slot, nullptr, seen};
    return rte_ring_mp_enqueue_elem(ring, &p, sizeof p) == 0;
}

}  // namespace vsw
