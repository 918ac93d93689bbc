// A burst as the stages pass it along: the per-frame decisions made once at ingress, and the
// buffers frames wait in for one egress (a port or a mirror session) until a full burst or the
// end of the polling round.
#pragma once

#include <cstdint>

#include "core/limits.h"
#include "core/vlan.h"

struct rte_mbuf;

namespace vsw {

// Per-packet forwarding decision.
enum : int16_t {
    kOutFlood = -1,   // broadcast, multicast or unknown unicast
    kOutDrop = -2,    // dropped; the reason was counted in decide()
    kOutRemote = -3,  // to a MAC behind a remote VTEP (the overlay's decisions say which)
};

struct BurstDecisions {
    int16_t out[kBurst];      // egress slot (>= 0), kOutFlood, kOutDrop or kOutRemote
    FrameVlan vlan[kBurst];   // each frame's VLAN and tag, valid if classified
    bool classified[kBurst];  // the frame got a VLAN (it may still be dropped): rx-mirrorable
};

// Frames waiting for one egress.
struct TxBuffer {
    uint16_t n = 0;          // frames buffered
    bool pending = false;    // listed as pending by its owner (port buffers)
    rte_mbuf* pkts[kBurst];  // the frames
};

}  // namespace vsw
