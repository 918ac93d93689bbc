#include "src/datapath/overlay_stage.h"

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "core/arp.h"
#include "overlay/vxlan_encap.h"
#include "src/datapath/offload_stage.h"
#include "src/datapath/vlan_egress.h"

namespace vsw {

void snoop_guest_arp(rte_ring* punt, const OverlayTable& ov, const uint8_t* eth, uint16_t len,
                     const FrameVlan& f, uint16_t slot) {
    const uint16_t tag = f.tagged ? 4 : 0;  // parse_arp reads the type at 12 and ARP after 14
    if (len < tag + kArpFrameLen || !ov.segment_for_vlan(f.vlan) ||
        !maybe_arp(eth + tag, len - tag))
        return;
    const auto arp = parse_arp(eth + tag, len - tag);
    if (!arp || arp->sender_ip == 0 || arp->sender_mac != mac_from_bytes(eth + 6)) return;
    punt_guest_arp(punt, GuestArp{arp->sender_mac, arp->sender_ip, f.vlan, slot});
}

void decide_underlay(const UnderlayIngress& u, rte_mbuf* const* pkts, uint16_t n,
                     BurstDecisions& d) {
    const OverlayTable& ov = u.table;
    telemetry::PortCounters& c = u.counters;
    uint64_t bytes = 0;
    // A burst usually comes from one VTEP for one VNI: look each up once.
    uint32_t last_vni = 0, last_ip = 0;
    const OverlaySegment* seg = nullptr;
    int vtep = -1;
    bool accepted = false;
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        bytes += m->pkt_len;
        d.out[i] = kOutDrop;
        d.classified[i] = false;
        const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
        if (maybe_arp(f, m->data_len)) {
            // For the VTEP address or a next hop: the control thread answers or learns.
            if (punt_frame(u.punt, PuntReason::kArp, u.slot, m)) c.to_control.add(1);
            else c.drop(DropReason::kUnderlayOther);
            continue;
        }
        VxlanFrame vx;
        const VxlanCheck check = check_vxlan(f, m->data_len, ov.local_ip, vx);
        if (check != VxlanCheck::kOk) {
            c.drop(check == VxlanCheck::kNotVxlan ? DropReason::kUnderlayOther
                                                  : DropReason::kVxlanMalformed);
            continue;
        }
        if (!seg || vx.vni != last_vni || vx.src_ip != last_ip) {
            seg = ov.segment_for_vni(vx.vni);
            accepted = seg && OverlayTable::accepts(*seg, vx.src_ip);
            vtep = ov.vtep_index(vx.src_ip);
            last_vni = vx.vni;
            last_ip = vx.src_ip;
        }
        if (!seg) {
            c.drop(DropReason::kVxlanUnknownVni);
            continue;
        }
        if (!accepted || vtep < 0) {
            c.drop(DropReason::kVxlanUnknownVtep);
            continue;
        }
        VtepCounters::Block& vc = ov.vteps[static_cast<unsigned>(vtep)].counters->w[u.worker];
        vc.decap_packets.add(1);
        vc.decap_bytes.add(m->pkt_len);
        vxlan_strip(m, vx);
        const uint8_t* inner = rte_pktmbuf_mtod(m, const uint8_t*);
        if (m->data_len < 14 || (inner[12] == 0x81 && inner[13] == 0x00) ||
            (inner[12] == 0x88 && inner[13] == 0xa8)) {
            c.drop(DropReason::kVxlanInnerTagged);  // RFC 7348 section 6.1: discard
            continue;
        }
        if (mac_is_multicast(mac_from_bytes(inner + 6))) {
            c.drop(DropReason::kInvalidSrcMac);
            continue;
        }
        d.vlan[i] = FrameVlan{seg->vlan, 0, false, 0};
        d.classified[i] = true;
        const Mac dst = mac_from_bytes(inner);
        if (mac_is_multicast(dst)) {
            if (mac_is_reserved_group(dst)) c.drop(DropReason::kReservedMulticast);
            else d.out[i] = kOutFlood;
            continue;
        }
        const int where = u.fdb.lookup(dst, seg->vlan);
        if (where >= Fdb::kRemote) {
            c.drop(DropReason::kVxlanLoop);
        } else if (where < 0 || u.ports[where] == nullptr) {
            d.out[i] = kOutFlood;  // to the local ports of the VLAN only (scatter)
        } else if (!u.vlan[where]->carries(seg->vlan)) {
            c.drop(DropReason::kVlanNotAllowed);
        } else {
            d.out[i] = static_cast<int16_t>(where);
        }
    }
    c.rx_packets.add(n);
    c.rx_bytes.add(bytes);
}

namespace {

// Puts one frame (untagged, within the underlay's MTU, no offload flags) into VXLAN for `v`.
// Returns it, or nullptr (counted) if no mbuf was left.
rte_mbuf* encapsulate_to(OverlayEgress& e, const RemoteVtep& v, uint32_t vni, rte_mbuf* m) {
    rte_mbuf* out = vxlan_encapsulate(m, v.header, vni, e.state.ip_id++, e.pool);
    if (!out) {
        e.uplink_counters.drop(DropReason::kNoMbufs);
        return nullptr;
    }
    VtepCounters::Block& vc = v.counters->w[e.worker];
    vc.encap_packets.add(1);
    vc.encap_bytes.add(out->pkt_len);
    return out;
}

}  // namespace

uint16_t encapsulate_for_vtep(OverlayEgress& e, uint16_t vtep, rte_mbuf* m, const FrameVlan& f,
                              rte_mbuf** out) {
    const OverlayTable& ov = e.table;
    telemetry::PortCounters& c = e.uplink_counters;
    const OverlaySegment* seg = ov.segment_for_vlan(f.vlan);
    const RemoteVtep* v = vtep < ov.vteps.size() ? &ov.vteps[vtep] : nullptr;
    if (!seg || !v || !v->ip || !v->resolved) {
        // An entry for a VTEP whose next hop ARP has not found yet, or (for a moment while the
        // control thread reprograms) one of a VLAN no longer mapped.
        c.drop(DropReason::kVxlanUnresolved);
        if (v && v->counters) v->counters->w[e.worker].unresolved.add(1);
        rte_pktmbuf_free(m);
        return 0;
    }
    if (!e.uplink_up) {
        c.drop(DropReason::kPortDown);
        rte_pktmbuf_free(m);
        return 0;
    }
    if (f.tagged) {  // the inner frame is untagged: the VNI says its VLAN
        m = retag(m, EgressAction::kStrip, f, e.pool);
        if (!m) {
            c.drop(DropReason::kNoMbufs);
            return 0;
        }
    }
    const uint16_t mtu = e.uplink_mtu;
    const uint32_t inner_mtu = mtu > kVxlanOverhead ? mtu - kVxlanOverhead : 0;
    uint16_t k = 1;
    if (m->ol_flags & kOffloadFlags) {
        // A guest's large frame or partial checksum: what a wire would carry, then each in VXLAN.
        if ((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && segments_for(m, inner_mtu) == 0) {
            c.drop(DropReason::kVxlanOverMtu);
            rte_pktmbuf_free(m);
            return 0;
        }
        k = wire_frames(m, e.pool, out, inner_mtu);
        rte_pktmbuf_free(m);
        if (k == 0) c.drop(DropReason::kNoMbufs);
        if (k > 1) c.tx_segments.add(k);
    } else if (m->pkt_len > inner_mtu + kEtherHeader) {
        c.drop(DropReason::kVxlanOverMtu);
        rte_pktmbuf_free(m);
        return 0;
    } else {
        out[0] = m;
    }
    uint16_t made = 0;  // each in VXLAN, in place in out[]
    for (uint16_t i = 0; i < k; ++i)
        if (rte_mbuf* vx = encapsulate_to(e, *v, seg->vni, out[i])) out[made++] = vx;
    return made;
}

}  // namespace vsw
