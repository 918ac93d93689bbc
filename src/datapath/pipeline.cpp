#include "src/datapath/pipeline.h"

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>

#include "core/arp.h"
#include "core/mbuf.h"
#include "qos/shaping.h"
#include "security/dhcp_message.h"
#include "src/datapath/guest_backlog.h"
#include "src/datapath/offload_stage.h"
#include "src/datapath/owned_frames.h"
#include "src/datapath/port_io.h"
#include "src/datapath/slow_path.h"
#include "src/datapath/vlan_egress.h"
#include "src/datapath/vlan_stage.h"

namespace vsw {

namespace {

// A SPAN session's output carries mirrored frames only: what it receives is dropped.
void decide_span_output(telemetry::PortCounters& c, rte_mbuf* const* pkts, uint16_t n,
                        BurstDecisions& d) {
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < n; ++i) {
        bytes += pkts[i]->pkt_len;
        d.out[i] = kOutDrop;
        d.classified[i] = false;
    }
    c.drop(DropReason::kMirrorOutput, n);
    c.rx_packets.add(n);
    c.rx_bytes.add(bytes);
}

// An ordinary port: classify, learn and look up each frame.
void decide_switching(Datapath& dp, const Snapshot& snap, Port& in, telemetry::PortCounters& c,
                      rte_mbuf* const* pkts, uint16_t n, uint32_t now_s, BurstDecisions& d,
                      OverlayDecisions& remote) {
    const PortVlan& in_vlan = *snap.vlan[in.slot];
    uint64_t bytes = 0;
    const uint32_t features = snap.features[in.slot];
    if (features & port_feature::kArpWatch) {
        // An ERSPAN next hop may be answering our ARP: the control thread gets a reference.
        for (uint16_t i = 0; i < n; ++i)
            if (maybe_arp_reply(rte_pktmbuf_mtod(pkts[i], const uint8_t*), pkts[i]->data_len))
                punt_frame(dp.punt, PuntReason::kArp, in.slot, pkts[i]);
    }
    // A burst usually repeats one source and one destination: learn and look up once each.
    const bool snoop_arp = snap.overlay && dp.punt;  // guests' ARP for EVPN (per burst)
    const bool snoop_dhcp = snap.security && snap.security->snoop_dhcp && dp.punt;
    const uint32_t mac_limit =
        (features & port_feature::kMacLimit) ? snap.security->mac_limit[in.slot] : 0;
    // A port-security port's sources passed its guest policy: its own MACs, pinned to it.
    const bool pin_sources = features & port_feature::kPortSecurity;
    Mac last_learned = ~Mac{0};
    uint16_t last_vlan = 0;
    Mac last_dst = ~Mac{0};
    uint16_t last_dst_vlan = 0;
    int last_slot = -1;
    // First pass: start loading every FDB bucket this burst will touch. Untagged frames use the
    // port's untagged VLAN; tagged ones are prefetched by their VID (a guess that is right for
    // trunks). The loads overlap, so a table far larger than the cache costs one miss per burst
    // rather than one per frame.
    const uint16_t untagged_vlan = in_vlan.mode == VlanMode::kTrunk ? 0 : in_vlan.tag;
    Mac prev_dst = ~Mac{0}, prev_src = ~Mac{0};  // a flow repeats itself: prefetch each MAC once
    for (uint16_t i = 0; i < n; ++i) {
        if (pkts[i]->data_len < 18) continue;
        const uint8_t* eth = rte_pktmbuf_mtod(pkts[i], const uint8_t*);
        const uint16_t vlan =
            eth[12] == 0x81 ? static_cast<uint16_t>((eth[14] & 0xf) << 8 | eth[15]) : untagged_vlan;
        const Mac dst = mac_from_bytes(eth), src = mac_from_bytes(eth + 6);
        if (dst != prev_dst) dp.fdb->prefetch(dst, vlan);
        if (src != prev_src) dp.fdb->prefetch(src, vlan);
        prev_dst = dst;
        prev_src = src;
    }
    for (uint16_t i = 0; i < n; ++i) {
        const rte_mbuf* m = pkts[i];
        bytes += m->pkt_len;
        d.out[i] = kOutDrop;
        d.classified[i] = false;
        if (m->data_len < RTE_ETHER_HDR_LEN) {
            c.drop(DropReason::kMalformed);
            continue;
        }
        const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
        const Mac dst = mac_from_bytes(eth);
        const Mac src = mac_from_bytes(eth + 6);
        if (mac_is_multicast(src)) {
            c.drop(DropReason::kInvalidSrcMac);
            continue;
        }
        DropReason why;
        FrameVlan* const f = &d.vlan[i];
        if (!classify_ingress_into(in_vlan, eth, m->data_len, why, *f)) {
            c.drop(why);
            continue;
        }
        d.classified[i] = true;  // mirrored and metered as received, even if dropped below
        if (mac_is_multicast(dst) && mac_is_reserved_group(dst) &&
            !(features & port_feature::kForwardBpdu)) {
            // Link-local: neither learned nor switched; a feature of the port may claim it.
            if ((features & port_feature::kPuntReserved) &&
                punt_frame(dp.punt, PuntReason::kReservedMulticast, in.slot, pkts[i]))
                c.to_control.add(1);
            else c.drop(DropReason::kReservedMulticast);
            continue;
        }
        const uint16_t vlan = f->vlan;
        if (src != last_learned || vlan != last_vlan) {
            const Fdb::LearnResult learned =
                dp.fdb->learn(src, vlan, in.slot, now_s, mac_limit, pin_sources);
            if (learned == Fdb::LearnResult::kLimited ||  // a new MAC beyond the port's limit
                learned == Fdb::LearnResult::kPinned) {   // another port's guest's MAC
                const DropReason why = learned == Fdb::LearnResult::kLimited
                                           ? DropReason::kMacLimit
                                           : DropReason::kMacPinned;
                c.drop(why);
                record_violation(c, why, eth, m->data_len);
                continue;
            }
            if (learned == Fdb::LearnResult::kFull) c.learn_full.add(1);
            last_learned = src;
            last_vlan = vlan;
        }
        if (snoop_arp && m->data_len >= kArpFrameLen) {
            // ARP, broadcast or the answer to one: EVPN's MAC/IP routes carry the guest's IP.
            const uint8_t* type = eth + (f->tagged ? 16 : 12);
            if (type[0] == 0x08 && type[1] == 0x06)
                snoop_guest_arp(dp.punt, *snap.overlay, eth, m->data_len, *f, in.slot);
        }
        if (snoop_dhcp && is_dhcp_frame(eth, m->data_len))  // port security's DHCP learning
            punt_frame(dp.punt, PuntReason::kDhcp, in.slot, pkts[i]);
        if (mac_is_multicast(dst)) {
            d.out[i] = kOutFlood;
            continue;
        }
        if (dst != last_dst || vlan != last_dst_vlan) {
            last_slot = dp.fdb->lookup(dst, vlan);
            last_dst = dst;
            last_dst_vlan = vlan;
        }
        const int slot = last_slot;
        if (slot >= Fdb::kRemote) {
            // Behind a remote VTEP; without an overlay now (its port went) the entry leads
            // nowhere: flood.
            d.out[i] = snap.overlay ? kOutRemote : kOutFlood;
            remote.vtep[i] = static_cast<uint16_t>(slot - Fdb::kRemote);
        } else if (slot < 0 || snap.ports[slot] == nullptr) {
            d.out[i] = kOutFlood;
        } else if (slot == in.slot) {
            c.drop(DropReason::kSamePort);
        } else if (!snap.vlan[slot]->carries(vlan)) {
            c.drop(DropReason::kVlanNotAllowed);  // learned before the egress port's VLANs changed
        } else {
            d.out[i] = static_cast<int16_t>(slot);
        }
    }
    c.rx_packets.add(n);
    c.rx_bytes.add(bytes);
}

}  // namespace

void decide(Datapath& dp, const Snapshot& snap, Port& in, rte_mbuf* const* pkts, uint16_t n,
            uint32_t now_s, BurstDecisions& d, OverlayDecisions& remote) {
    telemetry::PortCounters& c = in.counters[dp.worker];
    switch (snap.role[in.slot]) {  // the port's one role decision
        case PortRole::kSwitching:
            // Floods also go to the VNI's VTEPs, when there is an overlay.
            remote.flood_to_vteps = snap.overlay != nullptr;
            decide_switching(dp, snap, in, c, pkts, n, now_s, d, remote);
            break;
        case PortRole::kSpanOutput:
            remote.flood_to_vteps = false;
            decide_span_output(c, pkts, n, d);
            break;
        case PortRole::kBondMember:  // not reached: ingress_list takes members to their bond
            remote.flood_to_vteps = false;
            for (uint16_t i = 0; i < n; ++i) {
                d.out[i] = kOutDrop;
                d.classified[i] = false;
            }
            c.drop(DropReason::kBondInactive, n);
            break;
        case PortRole::kUnderlay:  // VXLAN and ARP only; decapsulated frames stay local
            remote.flood_to_vteps = false;
            decide_underlay(UnderlayIngress{.table = *snap.overlay,
                                            .fdb = *dp.fdb,
                                            .punt = dp.punt,
                                            .worker = dp.worker,
                                            .slot = in.slot,
                                            .counters = c,
                                            .ports = snap.ports,
                                            .vlan = snap.vlan},
                            pkts, n, d);
            break;
    }
}

namespace {

// Mirror copies whose output is the port of the open driven section: kept, out of guest memory,
// until the section closes (driven_ingress_list sends them then). Returns how many were kept;
// the others are freed (the mirror counts them as not sent; a failed copy is also counted at the
// port, no_mbufs).
uint16_t hold_for_section_port(Datapath& dp, Port& out, rte_mbuf** pkts, uint16_t n) {
    TxBuffer& held = dp.for_section_port;
    uint16_t kept = std::min<uint16_t>(n, kBurst - held.n);
    if (kept < n) rte_pktmbuf_free_bulk(pkts + kept, n - kept);
    owned_frames(pkts, kept, out.counters[dp.worker]);
    std::copy_n(pkts, kept, held.pkts + held.n);
    held.n = static_cast<uint16_t>(held.n + kept);
    return kept;
}

// The mirror stage's way out: a session's copies leave through its output port.
struct MirrorSend {
    Datapath& dp;
    const Snapshot& snap;
    uint16_t operator()(uint16_t slot, rte_mbuf** pkts, uint16_t n) const {
        if (slot == dp.section_slot) [[unlikely]]
            return hold_for_section_port(dp, *snap.ports[slot], pkts, n);
        return transmit(*snap.ports[slot], dp.worker, pkts, n);
    }
};

}  // namespace

void mirror_copies(Datapath& dp, const Snapshot& snap, uint16_t mask, rte_mbuf* m, uint16_t vlan,
                   bool egress_side) {
    if (m->ol_flags & kOffloadFlags) {
        rte_mbuf* wire[offload::kMaxSegments];
        const uint16_t n = wire_frames(m, dp.pool, wire, kSourceMtu);
        for (uint16_t i = 0; i < n; ++i) {
            mirror_frame(dp.mirrors, *snap.mirrors, dp.worker, dp.pool, mask, wire[i], vlan,
                         egress_side, MirrorSend{dp, snap});
            rte_pktmbuf_free(wire[i]);  // the copies hold what they need of it
        }
        return;
    }
    mirror_frame(dp.mirrors, *snap.mirrors, dp.worker, dp.pool, mask, m, vlan, egress_side,
                 MirrorSend{dp, snap});
}

void take_mirror_handoffs(Datapath& dp, const Snapshot& snap) {
    mirror_take_handoffs(dp.mirrors, *snap.mirrors, dp.worker, MirrorSend{dp, snap});
}

void scatter(Datapath& dp, const Snapshot& snap, Port& in, rte_mbuf* const* pkts, uint16_t n,
             const BurstDecisions& d, const OverlayDecisions& remote) {
    rte_mbuf* to_free[kBurst];
    uint16_t n_free = 0;
    telemetry::PortCounters& c = in.counters[dp.worker];
    // Candidate flood ports are the same for the whole burst: every port with its link up but
    // the ingress one. A port whose guest is not connected is not a flood target, not a drop.
    uint16_t up[kMaxPorts];
    uint16_t n_up = 0, n_down = 0;
    const uint16_t rx_mirrors = snap.mirrors ? snap.mirrors->rx[in.slot] : 0;
    for (uint16_t k = 0; k < snap.n_flood; ++k) {
        const uint16_t slot = snap.flood[k];
        if (slot == in.slot) continue;
        if (snap.ports[slot]->link_up()) up[n_up++] = slot;
        else ++n_down;
    }
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        const int16_t out = d.out[i];
        // As received: before any egress edits it (the copy's reference keeps it from in-place
        // edits).
        if (rx_mirrors && d.classified[i])
            mirror_copies(dp, snap, rx_mirrors, m, d.vlan[i].vlan, /*egress_side=*/false);
        if (out >= 0) {
            egress_list_to_port(dp, snap, static_cast<uint16_t>(out), m, d.vlan[i]);
        } else if (out == kOutFlood) {
            // The flood stays inside the frame's VLAN: its local ports and, from a local port
            // of a VLAN in the overlay, every VTEP in the VNI's flood list.
            const uint16_t vlan = d.vlan[i].vlan;
            uint16_t targets[kMaxPorts];
            uint16_t n_targets = 0;
            for (uint16_t k = 0; k < n_up; ++k)
                if (snap.vlan[up[k]]->carries(vlan)) targets[n_targets++] = up[k];
            const OverlaySegment* seg =
                remote.flood_to_vteps ? snap.overlay->segment_for_vlan(vlan) : nullptr;
            const auto n_remote = static_cast<uint16_t>(seg ? seg->flood.size() : 0);
            c.flooded.add(1);
            dp.vlan_floods[vlan].add(1);
            if (n_down) dp.flood_skipped_down.add(n_down);
            if (n_targets + n_remote == 0) {
                c.drop(DropReason::kNoDestination);
                to_free[n_free++] = m;
                continue;
            }
            // One reference per egress; each transmit or drop releases one.
            if (n_targets + n_remote > 1)
                mbuf_share(m, static_cast<int16_t>(n_targets + n_remote - 1));
            for (uint16_t k = 0; k < n_targets; ++k)
                egress_list_to_port(dp, snap, targets[k], m, d.vlan[i]);
            for (uint16_t k = 0; k < n_remote; ++k)
                egress_list_to_vtep(dp, snap, seg->flood[k], m, d.vlan[i]);
        } else if (out == kOutRemote) {
            egress_list_to_vtep(dp, snap, remote.vtep[i], m, d.vlan[i]);
        } else {
            to_free[n_free++] = m;
        }
    }
    if (n_free) rte_pktmbuf_free_bulk(to_free, n_free);
}

void flush_slot(Datapath& dp, const Snapshot& snap, uint16_t slot) {
    TxBuffer& b = dp.tx[slot];
    const uint16_t n = b.n;
    if (n == 0) return;
    b.n = 0;
    Port* port = snap.ports[slot];
    if (port == nullptr) {  // cannot happen: buffers never outlive a round; counted if it does
        dp.orphan_drops += n;
        rte_pktmbuf_free_bulk(b.pkts, n);
        return;
    }
    flush_list(dp, snap, *port, b.pkts, n);
}

void inject(Datapath& dp, const Snapshot& snap, rte_ring* ring) {
    rte_mbuf* pkts[kBurst];
    const unsigned n =
        rte_ring_sc_dequeue_burst(ring, reinterpret_cast<void**>(pkts), kBurst, nullptr);
    for (unsigned i = 0; i < n; ++i) {
        const uint16_t slot = pkts[i]->port;
        if (slot < kMaxPorts && snap.ports[slot]) {
            buffer_for(dp, snap, slot, pkts[i]);
        } else {
            ++dp.orphan_drops;
            rte_pktmbuf_free(pkts[i]);
        }
    }
}

namespace {

// A guest's RX ring, as the backlog sees it: frames were captured when the backlog got them.
struct GuestOffer {
    Port& port;
    unsigned worker;
    uint16_t operator()(rte_mbuf** pkts, uint16_t n) const {
        return offer(port, worker, pkts, n, /*first_new=*/n);
    }
};

}  // namespace

void to_guest(Datapath& dp, Port& port, rte_mbuf** pkts, uint16_t n) {
    capture_sent(port.capture, dp.worker, pkts, n);  // as handed to the port
    GuestBacklog& b = port.backlog[dp.worker];
    guest_backlog_send(b, pkts, n, dp.tsc, dp.backlog_stall, port.counters[dp.worker],
                       GuestOffer{port, dp.worker});
    if (b.n && !dp.backlog_listed[port.slot]) {
        dp.backlog_listed[port.slot] = true;
        dp.backlogged[dp.n_backlogged++] = port.slot;
    }
}

uint32_t drain_backlogs(Datapath& dp, const Snapshot& snap) {
    uint32_t taken = 0;
    uint16_t keep = 0;
    for (uint16_t i = 0; i < dp.n_backlogged; ++i) {
        const uint16_t slot = dp.backlogged[i];
        // A port that left the snapshot: the control thread frees what waited for it. A new port
        // in the slot has nothing waiting yet.
        if (Port* p = snap.ports[slot]) {
            GuestBacklog& b = p->backlog[dp.worker];
            if (b.n)
                taken += guest_backlog_drain(b, dp.tsc, dp.backlog_stall, p->counters[dp.worker],
                                             GuestOffer{*p, dp.worker});
            if (b.n) {
                dp.backlogged[keep++] = slot;
                continue;
            }
        }
        dp.backlog_listed[slot] = false;
    }
    dp.n_backlogged = keep;
    return taken;
}

void flush_all(Datapath& dp, const Snapshot& snap) {
    for (uint16_t i = 0; i < dp.n_pending; ++i) {
        const uint16_t slot = dp.pending[i];
        flush_slot(dp, snap, slot);
        dp.tx[slot].pending = false;
    }
    dp.n_pending = 0;
    if (snap.mirrors) mirror_flush_all(dp.mirrors, *snap.mirrors, dp.worker, MirrorSend{dp, snap});
}

}  // namespace vsw
