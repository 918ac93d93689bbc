#include "src/pipeline.h"

#include "src/arp.h"
#include "src/capture_tap.h"
#include "src/shaping.h"

#include <cstring>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

namespace vsw {

using telemetry::DropReason;

uint16_t receive(Port& in, rte_mempool* pool, rte_mbuf** pkts) {
    switch (in.type) {
        case PortType::kVhostUserClient:
        case PortType::kVhostUserServer:
            return vhost::rx_burst(in.vhost, pool, pkts, kBurst);
        case PortType::kDpdk:
            if (!in.eth.started.load(std::memory_order_acquire)) return 0;
            return ethdev::rx_burst(in.eth, pkts, kBurst);
    }
    return 0;
}

void decide(Datapath& dp, const Snapshot& snap, Port& in, rte_mbuf* const* pkts, uint16_t n,
            uint32_t now_s, BurstDecisions& d) {
    telemetry::PortCounters& c = in.counters[dp.worker];
    const PortVlan& in_vlan = *snap.vlan[in.slot];
    uint64_t bytes = 0;
    if (snap.mirrors && snap.mirrors->span_output[in.slot]) {  // carries mirrored frames only
        for (uint16_t i = 0; i < n; ++i) {
            bytes += pkts[i]->pkt_len;
            d.out[i] = kOutDrop;
            d.classified[i] = false;
        }
        c.drop(DropReason::kMirrorOutput, n);
        c.rx_packets.add(n);
        c.rx_bytes.add(bytes);
        return;
    }
    if (snap.mirrors && snap.mirrors->arp_watch[in.slot] && dp.ctl_rx) {
        // An ERSPAN next hop may be answering our ARP: the control thread gets a reference.
        for (uint16_t i = 0; i < n; ++i) {
            if (!maybe_arp_reply(rte_pktmbuf_mtod(pkts[i], const uint8_t*), pkts[i]->data_len)) continue;
            mbuf_share(pkts[i], 1);
            if (rte_ring_mp_enqueue(dp.ctl_rx, pkts[i]) != 0) mbuf_share(pkts[i], -1);
        }
    }
    // A burst usually repeats one source and one destination: learn and look up once each.
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
        const uint16_t vlan = eth[12] == 0x81 ? static_cast<uint16_t>((eth[14] & 0xf) << 8 | eth[15]) : untagged_vlan;
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
        const std::optional<FrameVlan> f = classify_ingress(in_vlan, eth, m->data_len, why);
        if (!f) {
            c.drop(why);
            continue;
        }
        d.vlan[i] = *f;
        d.classified[i] = true;
        const uint16_t vlan = f->vlan;
        if (src != last_learned || vlan != last_vlan) {
            if (dp.fdb->learn(src, vlan, in.slot, now_s) == Fdb::LearnResult::kFull) c.learn_full.add(1);
            last_learned = src;
            last_vlan = vlan;
        }
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
        if (slot < 0 || snap.ports[slot] == nullptr) {
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

namespace {

constexpr uint16_t kMacsLen = 12;  // destination + source MAC
constexpr uint16_t kTagLen = 4;    // 802.1Q header

// Gives frame `m` (of which the caller owns one reference) the headers `port` wants. A frame
// nobody else holds is edited in place; a shared one (a flood) keeps its bytes and gets a new
// first segment with the MACs and the tag, chained to a clone that skips the old header.
// Returns what to transmit, or nullptr (reference released) if no mbuf was left.
rte_mbuf* retag(rte_mbuf* m, EgressAction action, const FrameVlan& f, rte_mempool* pool) {
    const uint16_t tci = rte_cpu_to_be_16(make_tci(f.pcp, f.vlan));
    const uint16_t tpid = rte_cpu_to_be_16(kEtherTypeVlan);
    if (rte_mbuf_refcnt_read(m) == 1 && RTE_MBUF_DIRECT(m)) {
        uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
        switch (action) {
            case EgressAction::kStrip:
                memmove(p + kTagLen, p, kMacsLen);
                rte_pktmbuf_adj(m, kTagLen);
                return m;
            case EgressAction::kPush:
                if (uint8_t* q = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kTagLen))) {
                    memmove(q, q + kTagLen, kMacsLen);
                    memcpy(q + kMacsLen, &tpid, 2);
                    memcpy(q + kMacsLen + 2, &tci, 2);
                    return m;
                }
                break;  // no headroom: use a header segment
            case EgressAction::kSetVid:
                memcpy(p + kMacsLen + 2, &tci, 2);
                return m;
            case EgressAction::kAsIs:
                return m;
        }
    }
    rte_mbuf* head = rte_pktmbuf_alloc(pool);
    rte_mbuf* body = head ? rte_pktmbuf_clone(m, pool) : nullptr;
    if (!body) {
        rte_pktmbuf_free(head);
        rte_pktmbuf_free(m);
        return nullptr;
    }
    const uint16_t old_header = f.tagged ? kMacsLen + kTagLen : kMacsLen;
    const bool tag = action != EgressAction::kStrip;
    uint8_t* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(head, tag ? kMacsLen + kTagLen : kMacsLen));
    memcpy(h, rte_pktmbuf_mtod(m, const uint8_t*), kMacsLen);
    if (tag) {
        memcpy(h + kMacsLen, &tpid, 2);
        memcpy(h + kMacsLen + 2, &tci, 2);
    }
    rte_pktmbuf_free(m);  // the clone holds the payload now
    rte_pktmbuf_adj(body, old_header);
    head->next = body;
    head->nb_segs = static_cast<uint16_t>(1 + body->nb_segs);
    head->pkt_len = head->data_len + body->pkt_len;
    return head;
}

inline void push(Datapath& dp, const Snapshot& snap, uint16_t slot, rte_mbuf* m) {
    TxBuffer& b = dp.tx[slot];
    if (!b.pending) {
        b.pending = true;
        dp.pending[dp.n_pending++] = slot;
    }
    b.pkts[b.n++] = m;
    if (b.n == kBurst) flush_slot(dp, snap, slot);
}

void flush_mirror(Datapath& dp, const Snapshot& snap, unsigned session) {
    TxBuffer& b = dp.mirror_tx[session];
    const uint16_t n = b.n;
    b.n = 0;
    dp.mirror_pending = static_cast<uint16_t>(dp.mirror_pending & ~(1u << session));
    if (n == 0) return;
    const MirrorSession& s = snap.mirrors->s[session];
    uint32_t len[kBurst];
    for (uint16_t i = 0; i < n; ++i) len[i] = b.pkts[i]->pkt_len;
    const uint16_t sent = transmit(dp, *snap.ports[s.out_slot], b.pkts, n);
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < sent; ++i) bytes += len[i];
    MirrorRuntime::PerWorker& w = s.rt->w[dp.worker];
    w.packets.add(sent);
    w.bytes.add(bytes);
    if (sent < n) w.tx_dropped.add(n - sent);
}

// Puts a copy in session i's TX buffer; an ERSPAN copy gets its sequence number now, in the
// order it will leave.
void buffer_mirror_copy(Datapath& dp, const Snapshot& snap, unsigned i, rte_mbuf* copy) {
    const MirrorSession& s = snap.mirrors->s[i];
    if (is_erspan(s.kind)) number_erspan_copy(s, copy);
    TxBuffer& b = dp.mirror_tx[i];
    b.pkts[b.n++] = copy;
    dp.mirror_pending = static_cast<uint16_t>(dp.mirror_pending | 1u << i);
    if (b.n == kBurst) flush_mirror(dp, snap, i);
}

// Copies `m` (not consumed) to each session in `mask` that takes frames of `vlan`.
void mirror_frame(Datapath& dp, const Snapshot& snap, uint16_t mask, rte_mbuf* m, uint16_t vlan, bool egress_side) {
    const MirrorTable& t = *snap.mirrors;
    while (mask) {
        const unsigned i = static_cast<unsigned>(__builtin_ctz(mask));
        mask = static_cast<uint16_t>(mask & (mask - 1));
        const MirrorSession& s = t.s[i];
        if (!s.all_vlans && !s.vlans.test(vlan & kMaxVlan)) continue;
        if (!s.next_hop_known) {
            s.rt->w[dp.worker].unresolved.add(1);
            continue;
        }
        bool truncated = false;
        rte_mbuf* copy = mirror_copy(s, m, vlan, egress_side, dp.pool, truncated);
        MirrorRuntime::PerWorker& w = s.rt->w[dp.worker];
        if (!copy) {
            w.no_mbufs.add(1);
            continue;
        }
        if (truncated) w.truncated.add(1);
        if (is_erspan(s.kind) && s.owner != dp.worker) {  // ERSPAN made here: the owner numbers and sends it
            if (rte_ring_mp_enqueue(s.rt->handoff, copy) != 0) {
                rte_pktmbuf_free(copy);
                w.tx_dropped.add(1);
            }
            continue;
        }
        buffer_mirror_copy(dp, snap, i, copy);
    }
}


// Sends one reference of `m` to `slot`, with the headers that port wants.
inline void egress(Datapath& dp, const Snapshot& snap, uint16_t slot, rte_mbuf* m, const FrameVlan& f) {
    const EgressAction a = egress_action(*snap.vlan[slot], f);
    if (a != EgressAction::kAsIs) {
        m = retag(m, a, f, dp.pool);
        if (!m) {
            snap.ports[slot]->counters[dp.worker].drop(DropReason::kNoMbufs);
            return;
        }
    }
    if (snap.mirrors) {  // as sent to the port: after its tag was set
        if (const uint16_t mask = snap.mirrors->tx[slot]) mirror_frame(dp, snap, mask, m, f.vlan, true);
    }
    push(dp, snap, slot, m);
}

}  // namespace

void take_mirror_handoffs(Datapath& dp, const Snapshot& snap) {
    const MirrorTable& t = *snap.mirrors;
    for (unsigned i = 0; i < t.n; ++i) {
        const MirrorSession& s = t.s[i];
        if (!is_erspan(s.kind) || s.owner != dp.worker || !s.rt->handoff) continue;
        rte_mbuf* copies[kBurst];
        const unsigned n = rte_ring_sc_dequeue_burst(s.rt->handoff, reinterpret_cast<void**>(copies), kBurst, nullptr);
        for (unsigned k = 0; k < n; ++k) buffer_mirror_copy(dp, snap, i, copies[k]);
    }
}

void scatter(Datapath& dp, const Snapshot& snap, Port& in, rte_mbuf* const* pkts, uint16_t n,
             const BurstDecisions& d) {
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
        // As received: before any egress edits it (the copy's reference keeps it from in-place edits).
        if (rx_mirrors && d.classified[i]) mirror_frame(dp, snap, rx_mirrors, m, d.vlan[i].vlan, false);
        if (out >= 0) {
            egress(dp, snap, static_cast<uint16_t>(out), m, d.vlan[i]);
        } else if (out == kOutFlood) {
            // The flood stays inside the frame's VLAN.
            const uint16_t vlan = d.vlan[i].vlan;
            uint16_t targets[kMaxPorts];
            uint16_t n_targets = 0;
            for (uint16_t k = 0; k < n_up; ++k)
                if (snap.vlan[up[k]]->carries(vlan)) targets[n_targets++] = up[k];
            c.flooded.add(1);
            dp.vlan_floods[vlan].add(1);
            if (n_down) dp.flood_skipped_down.add(n_down);
            if (n_targets == 0) {
                c.drop(DropReason::kNoDestination);
                to_free[n_free++] = m;
                continue;
            }
            // One reference per egress port; each transmit or drop releases one.
            if (n_targets > 1) mbuf_share(m, static_cast<int16_t>(n_targets - 1));
            for (uint16_t k = 0; k < n_targets; ++k) egress(dp, snap, targets[k], m, d.vlan[i]);
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
    if (const PortQos& q = *snap.qos[slot]; q.rx_shaped) {
        guest_rx_enqueue(dp, *port, q, b.pkts, n);
        return;
    }
    transmit(dp, *port, b.pkts, n);
}

uint16_t transmit(Datapath& dp, Port& port, rte_mbuf** pkts, uint16_t n) {
    capture_sent(port, dp.worker, pkts, n);
    uint32_t len[kBurst];
    for (uint16_t i = 0; i < n; ++i) len[i] = pkts[i]->pkt_len;
    uint16_t sent = 0;
    bool up = port.admin_up.load(std::memory_order_relaxed);
    if (up) {
        switch (port.type) {
            case PortType::kVhostUserClient:
            case PortType::kVhostUserServer: {
                vhost::TxResult r = vhost::tx_burst(port.vhost, dp.worker, pkts, n);
                sent = r.sent;
                up = r.up;
                rte_pktmbuf_free_bulk(pkts, n);  // rte_vhost copied what it sent
                break;
            }
            case PortType::kDpdk:
                up = port.eth.started.load(std::memory_order_acquire);
                if (up) sent = ethdev::tx_burst(port.eth, dp.worker, pkts, n);
                if (sent < n) rte_pktmbuf_free_bulk(pkts + sent, static_cast<unsigned>(n - sent));
                break;
        }
    } else {
        rte_pktmbuf_free_bulk(pkts, n);
    }
    telemetry::PortCounters& c = port.counters[dp.worker];
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < sent; ++i) bytes += len[i];
    c.tx_packets.add(sent);
    c.tx_bytes.add(bytes);
    if (sent < n) c.drop(up ? DropReason::kTxFull : DropReason::kPortDown, n - sent);
    return sent;
}

void inject(Datapath& dp, const Snapshot& snap, rte_ring* ring) {
    rte_mbuf* pkts[kBurst];
    const unsigned n = rte_ring_sc_dequeue_burst(ring, reinterpret_cast<void**>(pkts), kBurst, nullptr);
    for (unsigned i = 0; i < n; ++i) {
        const uint16_t slot = pkts[i]->port;
        if (slot < kMaxPorts && snap.ports[slot]) {
            push(dp, snap, slot, pkts[i]);
        } else {
            ++dp.orphan_drops;
            rte_pktmbuf_free(pkts[i]);
        }
    }
}

void flush_all(Datapath& dp, const Snapshot& snap) {
    for (uint16_t i = 0; i < dp.n_pending; ++i) {
        const uint16_t slot = dp.pending[i];
        flush_slot(dp, snap, slot);
        dp.tx[slot].pending = false;
    }
    dp.n_pending = 0;
    while (dp.mirror_pending) flush_mirror(dp, snap, static_cast<unsigned>(__builtin_ctz(dp.mirror_pending)));
}

}  // namespace vsw
