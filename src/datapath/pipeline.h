// The per-burst datapath stages of one PMD worker:
//
//   rx burst -> decide (classify, learn, look up) -> scatter (per-egress TX buffers) -> flush
//
// A TX buffer is flushed when it holds a full burst, and at the end of every polling round: the
// drain deadline is one round (as OVS with tx-flush-interval=0). Buffers never outlive a round,
// so they never hold a port across an RCU quiescent state, and a deleted port's slot can be
// reused at once.
//
// Each stage is a plain function over one burst; ports are dispatched with a switch on their
// kind (port_io.h), never a virtual call; the shaping, mirror, IPFIX and capture stages live in
// qos/ and telemetry/ and see a port only through their slice of it. Every mbuf that enters
// leaves exactly once: sent, or freed and counted under a drop reason. Floods share one mbuf
// among egress ports through its reference count (zero copy); each port's transmit releases one
// reference.
#pragma once

#include <cstdint>

#include "core/burst.h"
#include "core/mac.h"
#include "src/datapath/fdb.h"
#include "src/datapath/overlay_stage.h"
#include "src/datapath/snapshot.h"
#include "telemetry/mirror/mirror_stage.h"
#include "telemetry/port_counters.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace vsw {

// One worker's datapath state. Not shared: no locks.
struct Datapath {
    unsigned worker = 0;          // worker index: selects counter blocks and TX queues
    Fdb* fdb = nullptr;           // shared FDB
    rte_mempool* pool = nullptr;  // for header segments when a shared frame needs a new tag
    uint64_t orphan_drops = 0;    // frames buffered for a port that disappeared
    telemetry::Counter flood_skipped_down;  // flood copies not made: target's link down (no drop)
    TxBuffer tx[kMaxPorts];                 // one buffer per egress slot
    uint16_t pending[kMaxPorts];            // slots with buffered frames
    uint16_t n_pending = 0;                 // entries used in pending[]
    telemetry::Counter vlan_floods[kMaxVlan + 1];  // frames flooded, per VLAN
    rte_ring* punt = nullptr;  // the slow path up to the control thread (slow_path.h)
    OverlayWorker overlay;     // this worker's VXLAN state
    MirrorBuffers mirrors;     // mirrored copies waiting for their sessions' outputs
};

// Classifies, learns the source and decides the egress of each frame; counts rx and rx drops.
// A frame for a MAC behind a remote VTEP gets kOutRemote in `out` and its VTEP in `remote`.
void decide(Datapath& dp, const Snapshot& snap, Port& in, rte_mbuf* const* pkts, uint16_t n,
            uint32_t now_s, BurstDecisions& out, OverlayDecisions& remote);

// Moves each frame into the TX buffer of its egress port(s); frees dropped ones.
void scatter(Datapath& dp, const Snapshot& snap, Port& in, rte_mbuf* const* pkts, uint16_t n,
             const BurstDecisions& d, const OverlayDecisions& remote);

// Transmits one slot's buffer now (or queues it, for a guest-RX-shaped port: qos/shaping.h).
void flush_slot(Datapath& dp, const Snapshot& snap, uint16_t slot);

// Takes the ERSPAN copies other workers made for sessions this worker owns (numbers and buffers
// them).
void take_mirror_handoffs(Datapath& dp, const Snapshot& snap);

// Sends the frames the control thread queued on the slow path's inject ring `ring` (each to the
// slot in its `port` field).
void inject(Datapath& dp, const Snapshot& snap, rte_ring* ring);

// Transmits every buffered frame: the end of a polling round.
void flush_all(Datapath& dp, const Snapshot& snap);

}  // namespace vsw
