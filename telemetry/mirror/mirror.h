// Port mirroring in the datapath. The control thread compiles the mirror sessions into an
// immutable MirrorTable published with the snapshot; workers copy frames into per-session TX
// buffers, flushed at the end of every round like the normal ones.
//
// Copies are references, never byte copies: a whole frame to a SPAN port is the same mbuf with
// one more reference; a truncated, RSPAN-tagged or ERSPAN-encapsulated copy is a new first
// segment (the headers) chained to a clone of the original (rte_pktmbuf_clone). Mirrored copies
// are never mirrored again (no loops), and a slow or absent destination only costs drops,
// counted per session.
#pragma once

#include <atomic>
#include <bitset>
#include <cstdint>

#include "core/limits.h"
#include "core/vlan.h"
#include "telemetry/mirror/mirror_config.h"
#include "telemetry/per_worker.h"
#include "telemetry/port_counters.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace vsw {

constexpr unsigned kMaxMirrors = 16;
constexpr unsigned kErspanMaxHeader =
    14 + 20 + 8 + 12;  // Ethernet + IPv4 + GRE with sequence + ERSPAN III

// A session's state that outlives snapshots: sequence numbers, the hand-off ring and counters.
struct MirrorRuntime {
    ~MirrorRuntime();  // frees the hand-off ring and what is left in it
    // ERSPAN copies are numbered and sent by one worker (the session's owner), so that GRE
    // sequence numbers leave in order whichever worker made the copy: others hand theirs over.
    rte_ring* handoff = nullptr;       // MP/SC: copies made by other workers, for the owner
    std::atomic<uint32_t> gre_seq{0};  // next GRE sequence number (written by the owner only)
    std::atomic<uint16_t> ip_id{0};    // outer IPv4 identification
    struct alignas(64) Block {
        telemetry::Counter packets;     // copies handed to the output port
        telemetry::Counter bytes;       // their bytes (as sent, encapsulation included)
        telemetry::Counter truncated;   // copies cut to snaplen
        telemetry::Counter no_mbufs;    // copies not made: mbuf pool empty
        telemetry::Counter tx_dropped;  // copies the output port did not take (full, down)
        telemetry::Counter unresolved;  // copies not made: the next hop's MAC is not known yet
    };
    telemetry::PerWorker<Block> w;  // one block per worker
};

// One session as the workers see it.
struct MirrorSession {
    MirrorKind kind = MirrorKind::kSpan;
    uint16_t out_slot = 0;             // where copies go
    uint32_t snaplen = 0;              // 0 = whole frames
    bool all_vlans = true;             // else only frames of `vlans`
    VlanSet vlans;                     // VLAN filter
    uint16_t rspan_vlan = 0;           // RSPAN VLAN
    uint8_t header[kErspanMaxHeader];  // ERSPAN: outer headers with the fixed fields filled
    uint8_t header_len = 0;            // bytes used in header[]
    uint64_t tsc_hz = 0;               // ERSPAN III timestamps
    uint8_t granularity = 1;           // ERSPAN III timestamp unit
    bool next_hop_known = true;        // ERSPAN: header[] has the next hop's MAC
    uint16_t owner = 0;                // ERSPAN: the worker that numbers and sends the copies
    MirrorRuntime* rt = nullptr;       // owned by the mirror controller
};

struct MirrorTable {
    uint16_t n = 0;                // sessions used
    MirrorSession s[kMaxMirrors];  // sessions
    uint16_t rx[kMaxPorts] = {};   // per slot: sessions copying what it receives (bit i: s[i])
    uint16_t tx[kMaxPorts] = {};   // per slot: sessions copying what is sent to it
};

// Builds a session's ERSPAN header template from its config and the output port's MAC.
void build_erspan_template(const MirrorConfig& c, uint64_t src_mac, MirrorSession& s);

// Makes the copy of frame `m` that session `s` sends: `egress` is false for a frame as received
// on a source port, true for a frame as sent to one; `vlan`: the frame's VLAN in the switch.
// nullptr if no mbuf was left (counted by the caller). `m` is not consumed.
rte_mbuf* mirror_copy(const MirrorSession& s, rte_mbuf* m, uint16_t vlan, bool egress,
                      rte_mempool* pool, bool& truncated);

// ERSPAN: writes the session's next GRE sequence number into copy `m` (owner worker only).
void number_erspan_copy(const MirrorSession& s, rte_mbuf* m);

}  // namespace vsw
