// The datapath of one PMD worker, written down once: the stages in the order they run, as lists
// (inline functions at the end of this file, each stage a plain function call behind its gate:
// a bit of the port's feature word ([bit] below), a per-port setting, or a table the snapshot
// has or not).
//
//   start of round (round_start_list): this worker's guest backlogs, each offered to its guest
//     before anything new goes to it (guest_backlog.h)
//   ingress, per port a worker polls, per round (ingress_list):
//     shaping (guest-RX queue) -> held back? (a guest backlog it filled) -> shaping (guest-TX
//     credit) -> rx -> capture rx -> CFM [bit]
//       (a bond member instead: rx -> capture rx -> CFM [bit] -> member ingress -> on as its
//       bond's burst)
//     -> guest offloads [bit]
//     -> MTU -> port security [bit] -> security groups [bit] -> shaping (TX charge) -> decide: the
//     port's role, then classify, learn (up to the MAC limit [bit]), look up -> storm control [bit]
//     -> IPFIX -> sFlow [bit] -> hold back? (a destination's backlog over its mark; only while
//     this worker has a backlog) -> scatter
//   egress, per frame scatter() sends, once per destination (egress_list_to_port/_to_vtep):
//     mirror rx (once, as received) -> to a local port: VLAN egress -> mirror tx -> TX buffer
//                                   -> to a remote VTEP: overlay encapsulation -> TX buffer
//   flush, per TX buffer when full and at the end of the round (flush_list):
//     security groups [bit] -> offload egress step (segments, checksums, MTU) -> shaping (guest-RX
//     queue), or a guest: its RX ring, behind its backlog (what the ring does not take waits),
//     or transmit (a NIC; a bond: by the member its mode chooses for each frame)
//   end of round (round_end_list): slow-path inject -> IPFIX expiry -> mirror handoffs
//     -> flush every buffer -> mirror buffers
//
// A TX buffer is flushed when it holds a full burst, and at the end of every polling round: the
// drain deadline is one round (as OVS with tx-flush-interval=0). Buffers never outlive a round,
// so they never hold a port across an RCU quiescent state, and a deleted port's slot can be
// reused at once. The one thing a worker keeps across rounds for a port is in the port itself:
// its guest backlog (Port::backlog[worker]), which the control thread frees when it deletes the
// port; the worker's list of backlogs names slots, never ports, and drops a slot whose port
// left the snapshot or has nothing waiting.
//
// Ports are dispatched with a switch on their kind (port_io.h), never a virtual call; the
// shaping, mirror, IPFIX, sFlow, capture and overlay stages live in qos/, telemetry/ and
// overlay_stage.h and see a port only through their slice of it, which the lists cut. Every
// mbuf that enters leaves exactly once: sent, or freed and counted under a drop reason. Floods
// share one mbuf among egress ports through its reference count (zero copy); each port's
// transmit releases one reference.
#pragma once

#include <cstdint>

#include "core/burst.h"
#include "core/mac.h"
#include "qos/shaping.h"
#include "security/guest_policy_stage.h"
#include "security/storm_control.h"
#include "src/datapath/acl_stage.h"
#include "src/datapath/bond_stage.h"
#include "src/datapath/cfm_stage.h"
#include "src/datapath/fdb.h"
#include "src/datapath/guest_backlog.h"
#include "src/datapath/offload_stage.h"
#include "src/datapath/overlay_stage.h"
#include "src/datapath/owned_frames.h"
#include "src/datapath/port_io.h"
#include "src/datapath/snapshot.h"
#include "src/datapath/vlan_egress.h"
#include "telemetry/capture/capture_tap.h"
#include "telemetry/mirror/mirror_stage.h"
#include "telemetry/port_counters.h"
#include "vhost/guest_frame.h"
#include "vhost/tx_ring_driver.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace vsw {

// One worker's datapath state. Not shared: no locks.
struct Datapath {
    unsigned worker = 0;          // worker index: selects counter blocks and TX queues
    Fdb* fdb = nullptr;           // shared FDB
    rte_mempool* pool = nullptr;  // received frames, header segments, segments of large frames
    uint64_t orphan_drops = 0;    // frames buffered for a port that disappeared
    telemetry::Counter flood_skipped_down;  // flood copies not made: target's link down (no drop)
    TxBuffer tx[kMaxPorts];                 // one buffer per egress slot
    uint16_t pending[kMaxPorts];            // slots with buffered frames
    uint16_t n_pending = 0;                 // entries used in pending[]
    telemetry::Counter vlan_floods[kMaxVlan + 1];  // frames flooded, per VLAN
    rte_ring* punt = nullptr;     // the slow path up to the control thread (slow_path.h)
    rte_ring* inject = nullptr;   // the slow path down: the control thread's frames (worker 0)
    OverlayWorker overlay;        // this worker's VXLAN state
    MirrorBuffers mirrors;        // mirrored copies waiting for their sessions' outputs
    StormMeter storm[kMaxPorts];  // storm control of the ports this worker polls
    uint64_t now_ms = 0;          // the switch clock at the round's start (IPFIX, ACL; else 0)
    AclScratch acl;               // the ACL stage's per-burst arrays
    vhost::WalkScratch walk;      // one copy: where guest TX chains are walked (tx_ring_driver.h)
    // Backpressure (guest_backlog.h). The round's TSC, and kBacklogStallMs in TSC ticks (never,
    // until the worker sets it).
    uint64_t tsc = 0;
    uint64_t backlog_stall = UINT64_MAX;
    uint16_t backlogged[kMaxPorts] = {};  // slots where this worker's guest backlog has frames
    uint16_t n_backlogged = 0;            // entries used in backlogged[]
    bool backlog_listed[kMaxPorts] = {};  // the slot is in backlogged[]
    uint16_t held_on[kMaxPorts] = {};     // per polled slot: 1 + the slot whose backlog holds
                                          // it back (0: polled)
    // One copy: the slot whose driven section is open (kNoSection: none), and the mirror copies
    // for that port itself, which wait until the section closes: inside it, the vhost-user
    // thread may hold the port's locks while it waits for the section to end.
    static constexpr uint16_t kNoSection = UINT16_MAX;
    uint16_t section_slot = kNoSection;
    TxBuffer for_section_port;
};

// A polling round's clock, read once at its start.
struct RoundTime {
    uint64_t tsc = 0;     // the TSC at the start of the round
    uint64_t hz = 0;      // TSC ticks per second
    uint32_t now_s = 0;   // the switch clock in seconds (FDB ages)
    uint64_t now_ms = 0;  // the switch clock in ms (IPFIX flow times, connection tracking); 0
                          // when neither is on
};

// One burst on its way through the ingress list.
struct Burst {
    rte_mbuf* pkts[kBurst];    // the frames received
    BurstDecisions decisions;  // what decide() made of each
    OverlayDecisions remote;   // the overlay's part of it
};

// ---- The pipeline's own stages ----

// Classifies, learns the source and decides the egress of each frame; counts rx and rx drops.
// A frame for a MAC behind a remote VTEP gets kOutRemote in `out` and its VTEP in `remote`.
void decide(Datapath& dp, const Snapshot& snap, Port& in, rte_mbuf* const* pkts, uint16_t n,
            uint32_t now_s, BurstDecisions& out, OverlayDecisions& remote);

// Moves each frame into the TX buffer of its egress port(s) through the egress list; frees
// dropped ones.
void scatter(Datapath& dp, const Snapshot& snap, Port& in, rte_mbuf* const* pkts, uint16_t n,
             const BurstDecisions& d, const OverlayDecisions& remote);

// Transmits one slot's buffer now through the flush list.
void flush_slot(Datapath& dp, const Snapshot& snap, uint16_t slot);

// Takes the ERSPAN copies other workers made for sessions this worker owns (numbers and buffers
// them).
void take_mirror_handoffs(Datapath& dp, const Snapshot& snap);

// Sends the frames the control thread queued on the slow path's inject ring `ring` (each to the
// slot in its `port` field).
void inject(Datapath& dp, const Snapshot& snap, rte_ring* ring);

// Transmits every buffered frame: the end of a polling round.
void flush_all(Datapath& dp, const Snapshot& snap);

// Hands `n` frames to guest `port` (a vhost port, not guest-RX-shaped) behind what waits for it;
// what its RX ring does not take waits in the port's backlog of this worker (guest_backlog.h).
void to_guest(Datapath& dp, Port& port, rte_mbuf** pkts, uint16_t n);

// Offers every backlog of this worker to its guest; forgets the slots with nothing waiting any
// more. Returns how many frames left the backlogs (taken by their guests, or freed as port_down).
uint32_t drain_backlogs(Datapath& dp, const Snapshot& snap);

// Backpressure, before polling port `slot`: is it held back this round (a guest backlog it sent
// to still holds kResumeMark frames or more)? Once that backlog is below it, or its port is gone,
// the port is polled again.
inline bool held_back(Datapath& dp, const Snapshot& snap, uint16_t slot) {
    const uint16_t on = dp.held_on[slot];
    if (on == 0) return false;  // the usual case
    const Port* dst = snap.ports[on - 1];
    if (dst && dst->backlog[dp.worker].n >= kResumeMark) return true;
    dp.held_on[slot] = 0;
    return false;
}

// Backpressure, before scatter (only while this worker has a backlog): a frame of `in`'s burst
// goes to a guest whose backlog holds kHoldMark frames or more, so `in` is held back from the
// next round on. (Floods hold nobody.)
inline void hold_if_backlogged(Datapath& dp, const Snapshot& snap, const Port& in,
                               const BurstDecisions& d, uint16_t n) {
    for (uint16_t i = 0; i < n; ++i) {
        const int16_t out = d.out[i];
        if (out >= 0 && snap.ports[out]->backlog[dp.worker].n >= kHoldMark) {
            dp.held_on[in.slot] = static_cast<uint16_t>(out + 1);
            return;
        }
    }
}

// Copies `m` (not consumed) to each mirror session in `mask` that takes frames of `vlan`, as the
// frame is received (`egress_side` false) or sent; a guest's large frame or partial checksum is
// mirrored as a wire would carry it.
void mirror_copies(Datapath& dp, const Snapshot& snap, uint16_t mask, rte_mbuf* m, uint16_t vlan,
                   bool egress_side);

// Puts `m` in the TX buffer of `slot`; a full buffer is flushed at once.
inline void buffer_for(Datapath& dp, const Snapshot& snap, uint16_t slot, rte_mbuf* m) {
    TxBuffer& b = dp.tx[slot];
    if (!b.pending) {
        b.pending = true;
        dp.pending[dp.n_pending++] = slot;
    }
    b.pkts[b.n++] = m;
    if (b.n == kBurst) flush_slot(dp, snap, slot);
}

// The overlay egress's slice: the table, the VTEP port as it is now, this worker's state.
inline OverlayEgress overlay_egress_slice(Datapath& dp, const Snapshot& snap) {
    Port& up = *snap.ports[snap.overlay->uplink];
    return {.table = *snap.overlay,
            .uplink_counters = up.counters[dp.worker],
            .uplink_up = up.link_up(),
            .uplink_mtu = up.mtu.load(std::memory_order_relaxed),
            .worker = dp.worker,
            .pool = dp.pool,
            .state = dp.overlay};
}

// The offload egress step's slice of destination `p`: what it takes of a guest's offloads
// (nothing with offloads=off), and its MTU.
inline EgressOffloads egress_offloads_slice(const Port& p) {
    const uint16_t mtu = p.mtu.load(std::memory_order_relaxed);
    if (!p.offloads.load(std::memory_order_relaxed)) return {.mtu = mtu};
    if (p.is_vhost())
        return guest_egress_offloads(p.vhost.features.load(std::memory_order_relaxed), mtu);
    return device_egress_offloads(p.eth.offloads, mtu);
}

// The ingress list's checks of a received burst: a guest's large frames and partial checksums,
// checked against their bytes where the port's features say its guest may send them; then the
// MTU, which every port keeps. Returns how many frames remain (the burst compacted).
inline uint16_t checks_on_receipt(uint32_t features, rte_mbuf** pkts, uint16_t n, uint16_t mtu,
                                  telemetry::PortCounters& c) {
    if ((features & port_feature::kGuestOffloads) && offloads_requested(pkts, n))
        n = accept_guest_offloads(pkts, n, mtu, c);
    return drop_over_mtu(pkts, n, mtu, c);
}

// The ACL stage's slice of port `slot` (which has port_feature::kAcl), one way.
inline AclPort acl_slice(Datapath& dp, const Snapshot& snap, uint16_t slot, acl::Direction d,
                         uint64_t now_ms) {
    return {.table = *snap.acl,
            .rules = *snap.acl->rules[slot],
            .zone = acl_zone(slot),
            .direction = d,
            .now_ms = now_ms,
            .scratch = dp.acl};
}

// ---- The lists ----

// The ingress list from the checks on: `n` frames received on port `in` (or on a member of
// bond `in`), already captured.
inline void switch_burst(Datapath& dp, const Snapshot& snap, Port& in, const RoundTime& t, Burst& b,
                         uint16_t n) {
    const PortQos& q = *snap.qos[in.slot];
    const uint32_t features = snap.features[in.slot];
    telemetry::PortCounters& c = in.counters[dp.worker];
    n = checks_on_receipt(features, b.pkts, n, in.mtu.load(std::memory_order_relaxed), c);
    if (features & port_feature::kPortSecurity)
        n = enforce_guest_policy(*snap.security->guest[in.slot], b.pkts, n, c);
    if (features & port_feature::kAcl)  // what the guest sends: egress
        n = acl_stage(acl_slice(dp, snap, in.slot, acl::Direction::kEgress, t.now_ms), b.pkts, n,
                      c);
    if (n == 0) return;
    if (q.tx_shaped) guest_tx_charge(in.shaping, b.pkts, n);
    decide(dp, snap, in, b.pkts, n, t.now_s, b.decisions, b.remote);
    if (features & port_feature::kStormControl)
        storm_control_burst(dp.storm[in.slot], snap.security->storm[in.slot], b.decisions, n, t.tsc,
                            t.hz, c);
    if (const FlowExport* flows = snap.flows.get())
        meter_burst(*flows->meter[dp.worker], *flows, in.ifindex(), b.pkts, n, b.decisions,
                    t.now_ms);
    if (features & port_feature::kSflow)
        sflow_sample_burst(*snap.sflow->sampler[dp.worker], *snap.sflow, in.slot, b.pkts, n,
                           b.decisions);
    if (dp.n_backlogged) hold_if_backlogged(dp, snap, in, b.decisions, n);
    scatter(dp, snap, in, b.pkts, n, b.decisions, b.remote);
}

// A bond member's turn: what it receives goes on as its bond's (bond_stage.h).
inline uint16_t member_ingress_list(Datapath& dp, const Snapshot& snap, Port& member,
                                    const RoundTime& t, Burst& b) {
    const BondTable& bonds = *snap.bonds;
    const BondView& bond = bonds.bonds[static_cast<size_t>(bonds.bond_of[member.slot])];
    if (held_back(dp, snap, bond.slot)) {  // the bond's frames wait for a guest
        member.counters[dp.worker].rx_held.add(1);
        return 0;
    }
    const uint16_t received = receive(member, dp.pool, b.pkts);
    if (received == 0) return 0;
    capture_received(member.capture, dp.worker, b.pkts, received, t.tsc);
    uint16_t n = received;
    if (snap.features[member.slot] & port_feature::kCfm)  // the link's own MEP
        n = cfm_stage(member, dp.worker, snap.cfm_level[member.slot], dp.punt, b.pkts, n);
    Port& port = *snap.ports[bond.slot];
    const PortVlan& vlan = *snap.vlan[bond.slot];
    n = member_ingress(
        MemberIngress{
            .bond = bond,
            .member = static_cast<unsigned>(bonds.member_index[member.slot]),
            .port = member,
            .punt_reserved = (snap.features[member.slot] & port_feature::kPuntReserved) != 0,
            .punt = dp.punt,
            .fdb = *dp.fdb,
            .untagged_vlan = vlan.mode == VlanMode::kTrunk ? uint16_t{0} : vlan.tag,
            .worker = dp.worker},
        b.pkts, n);
    if (n && port.admin_up.load(std::memory_order_relaxed)) switch_burst(dp, snap, port, t, b, n);
    else if (n) {
        rte_pktmbuf_free_bulk(b.pkts, n);
        port.counters[dp.worker].drop(DropReason::kPortDown, n);
    }
    return received;
}

// A port whose guest TX rings vsw drives (one copy, vhost/tx_ring_driver.h): one section takes
// a burst, switches it and flushes every buffer, then gives the guest's buffers back. Nothing
// for this port may be sent inside it (the vhost thread may hold the port's locks while it waits
// for the section to end), so what other ports buffered leaves first.
inline uint16_t driven_ingress_list(Datapath& dp, const Snapshot& snap, Port& in,
                                    const RoundTime& t, Burst& b) {
    vhost::TxRingDriver& d = in.vhost.tx_driver;
    if (dp.n_pending || dp.mirrors.pending) flush_all(dp, snap);
    const vhost::TxPath path = vhost::enter(d);
    if (path != vhost::TxPath::kDriven) {  // it changed since: the next round goes the other way
        if (path == vhost::TxPath::kRteVhost) vhost::leave(d);
        return 0;
    }
    dp.section_slot = in.slot;
    const uint16_t received =
        vhost::take(d, in.vhost.enabled_vrings.load(std::memory_order_relaxed), dp.pool, dp.walk,
                    b.pkts, kBurst);
    if (received) {
        capture_received(in.capture, dp.worker, b.pkts, received, t.tsc);
        uint16_t n = received;
        if (snap.features[in.slot] & port_feature::kCfm)
            n = cfm_stage(in, dp.worker, snap.cfm_level[in.slot], dp.punt, b.pkts, n);
        if (n) switch_burst(dp, snap, in, t, b, n);
        flush_all(dp, snap);
    }
    vhost::give_back(d);
    vhost::leave(d);
    dp.section_slot = Datapath::kNoSection;
    if (TxBuffer& own = dp.for_section_port; own.n) [[unlikely]] {  // mirrored to this port
        transmit(in, dp.worker, own.pkts, own.n);
        own.n = 0;
    }
    return received;
}

// The ingress list: port `in`'s turn in a polling round. Returns how many frames it received.
inline uint16_t ingress_list(Datapath& dp, const Snapshot& snap, Port& in, const RoundTime& t,
                             Burst& b) {
    if (!in.admin_up.load(std::memory_order_relaxed)) return 0;  // not polled
    if (snap.role[in.slot] == PortRole::kBondMember) return member_ingress_list(dp, snap, in, t, b);
    const PortQos& q = *snap.qos[in.slot];
    telemetry::PortCounters& c = in.counters[dp.worker];
    if (q.rx_shaped)  // shaping: what waits in the port's guest-RX queue goes first
        guest_rx_drain(in.shaping, q, c, t.tsc, t.hz,
                       [&](rte_mbuf** out, uint16_t k, uint16_t first_new) {
                           return offer(in, dp.worker, out, k, first_new);
                       });
    if (held_back(dp, snap, in.slot)) {  // its frames wait for a guest: its own ring fills
        c.rx_held.add(1);
        return 0;
    }
    if (q.tx_shaped && !guest_tx_allowed(in.shaping, q, c, t.tsc, t.hz)) return 0;  // no credit
    if (in.is_vhost() && vhost::tx_driven(in.vhost)) return driven_ingress_list(dp, snap, in, t, b);
    const uint16_t received = receive(in, dp.pool, b.pkts);
    if (received == 0) return 0;
    capture_received(in.capture, dp.worker, b.pkts, received, t.tsc);
    uint16_t n = received;
    if (snap.features[in.slot] & port_feature::kCfm)  // the port's MEP
        n = cfm_stage(in, dp.worker, snap.cfm_level[in.slot], dp.punt, b.pkts, n);
    if (n) switch_burst(dp, snap, in, t, b, n);
    return received;
}

// The egress list to a local port: one reference of `m`, a frame of VLAN f.vlan, to `slot`.
// (scatter() has mirrored the frame as received before it takes it to any destination.)
inline void egress_list_to_port(Datapath& dp, const Snapshot& snap, uint16_t slot, rte_mbuf* m,
                                const FrameVlan& f) {
    m = vlan_egress(*snap.vlan[slot], f, m, dp.pool);
    if (!m) {
        snap.ports[slot]->counters[dp.worker].drop(DropReason::kNoMbufs);
        return;
    }
    if (snap.mirrors) {  // as sent to the port: after its tag was set
        if (const uint16_t mask = snap.mirrors->tx[slot])
            mirror_copies(dp, snap, mask, m, f.vlan, /*egress_side=*/true);
    }
    buffer_for(dp, snap, slot, m);
}

// The egress list to a remote VTEP: one reference of `m`, a frame of VLAN f.vlan, to VTEP
// `vtep` (an index in the overlay table) through the VTEP port.
inline void egress_list_to_vtep(Datapath& dp, const Snapshot& snap, uint16_t vtep, rte_mbuf* m,
                                const FrameVlan& f) {
    OverlayEgress e = overlay_egress_slice(dp, snap);
    rte_mbuf* out[kMaxEncapsulated];
    const uint16_t k = encapsulate_for_vtep(e, vtep, m, f, out);
    for (uint16_t i = 0; i < k; ++i) buffer_for(dp, snap, snap.overlay->uplink, out[i]);
}

// Frames for bond port `bond` leave by its members; a bond the snapshot has no view of (no
// member) takes nothing.
inline void transmit_bond(const Snapshot& snap, Port& bond, unsigned worker, rte_mbuf** pkts,
                          uint16_t n) {
    const int16_t view = snap.bonds ? snap.bonds->view_of[bond.slot] : int16_t{-1};
    if (view < 0) {
        rte_pktmbuf_free_bulk(pkts, n);
        bond.counters[worker].drop(DropReason::kPortDown, n);
        return;
    }
    bond_transmit(snap.bonds->bonds[static_cast<size_t>(view)], snap.ports, bond, worker, pkts, n);
}

// The flush list: `n` frames buffered for `port`, when its buffer is full and at the end of
// every round.
inline void flush_list(Datapath& dp, const Snapshot& snap, Port& port, rte_mbuf** pkts,
                       uint16_t n) {
    const PortQos& q = *snap.qos[port.slot];
    telemetry::PortCounters& c = port.counters[dp.worker];
    if (snap.features[port.slot] & port_feature::kAcl) {  // what the guest is sent: ingress
        n = acl_stage(acl_slice(dp, snap, port.slot, acl::Direction::kIngress, dp.now_ms), pkts, n,
                      c);
        if (n == 0) return;
    }
    auto send = [&](rte_mbuf** ready, uint16_t k) {  // shaping, or the device (capture tx there)
        if (q.rx_shaped) {                           // the shaping queue keeps them
            owned_frames(ready, k, c);
            guest_rx_enqueue(port.shaping, q, c, ready, k);
        } else if (port.kind == PortKind::kBond)  // by its members
            transmit_bond(snap, port, dp.worker, ready, k);
        else if (port.is_vhost()) to_guest(dp, port, ready, k);  // what the ring cannot take waits
        else transmit(port, dp.worker, ready, k);
    };
    // Frames the port cannot take as they are (a guest's large frames, partial checksums, a
    // frame over its MTU) are made into what it can take first, or dropped: the egress step.
    if (needs_egress_step(pkts, n, port.mtu.load(std::memory_order_relaxed)))
        send_prepared(egress_offloads_slice(port), pkts, n, dp.pool, c, send);
    else send(pkts, n);
}

// The start of a polling round, before any port's ingress list: what waits for a guest goes to
// it before anything new. Returns how many frames left the backlogs.
inline uint32_t round_start_list(Datapath& dp, const Snapshot& snap) {
    return dp.n_backlogged ? drain_backlogs(dp, snap) : 0;
}

// The end of a polling round, after every port's ingress list.
inline void round_end_list(Datapath& dp, const Snapshot& snap, const RoundTime& t) {
    if (dp.inject) inject(dp, snap, dp.inject);  // the control thread's frames (worker 0)
    // IPFIX timeouts: the slice of the cache due since the last round (paced by the clock).
    if (const FlowExport* flows = snap.flows.get())
        meter_tick(*flows->meter[dp.worker], *flows, t.now_ms);
    if (snap.mirrors) take_mirror_handoffs(dp, snap);
    if (dp.n_pending || dp.mirrors.pending) flush_all(dp, snap);
}

}  // namespace vsw
