// VLAN egress on mbufs: gives a frame the tag its egress port wants (vlan_stage.h decides which),
// for a local port and, untagged, for the overlay's VXLAN.
#pragma once

#include "core/vlan.h"
#include "src/datapath/vlan_stage.h"

struct rte_mbuf;
struct rte_mempool;

namespace vsw {

// Gives frame `m` (of which the caller owns one reference) the headers `action` asks for. A frame
// nobody else holds is edited in place; a shared one (a flood) keeps its bytes and gets a new
// first segment with the MACs and the tag, chained to a clone that skips the old header. A
// guest's large frame keeps its segment size and header lengths through the change. Returns what
// to transmit, or nullptr (reference released) if no mbuf was left.
rte_mbuf* retag(rte_mbuf* m, EgressAction action, const FrameVlan& f, rte_mempool* pool);

// The VLAN egress stage: frame `m` (one reference) as `port` wants it; most frames pass as they
// are. nullptr if no mbuf was left (the reference released).
inline rte_mbuf* vlan_egress(const PortVlan& port, const FrameVlan& f, rte_mbuf* m,
                             rte_mempool* pool) {
    const EgressAction a = egress_action(port, f);
    return a == EgressAction::kAsIs ? m : retag(m, a, f, pool);
}

}  // namespace vsw
