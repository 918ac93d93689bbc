// VXLAN on mbufs: the outer headers go in front of a frame without copying its payload, and
// come off a received one in place.
#pragma once

#include <cstdint>

#include "overlay/vxlan.h"

struct rte_mbuf;
struct rte_mempool;

namespace vsw {

// Puts `outer` (a template from write_vxlan_template, kVxlanOuterLen bytes) in front of the
// untagged frame `m`, of which the caller owns one reference, and completes it for `vni`. A frame
// nobody else holds gets the headers in its headroom; a shared one (a flood, head-end
// replication) stays untouched behind a new header segment. Returns the frame to transmit, or
// nullptr (the reference released) if no mbuf was left. Offload flags must be gone already.
rte_mbuf* vxlan_encapsulate(rte_mbuf* m, const uint8_t* outer, uint32_t vni, uint16_t ip_id,
                            rte_mempool* pool);

// Removes the outer headers `f` (from check_vxlan) describes from the received frame `m`:
// what is left is the inner frame, Ethernet padding of the outer frame cut off.
void vxlan_strip(rte_mbuf* m, const VxlanFrame& f);

}  // namespace vsw
