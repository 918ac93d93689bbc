#include "src/datapath/bond_stage.h"

#include <rte_mbuf.h>

#include "bond/bond_hash.h"
#include "core/mac.h"
#include "src/datapath/port_io.h"
#include "src/datapath/slow_path.h"

namespace vsw {

namespace {

// The VLAN a received frame is in, as learning will see it (for the reflection check).
uint16_t frame_vlan(const uint8_t* eth, uint16_t len, uint16_t untagged_vlan) {
    size_t type_at;
    const uint16_t vid = bond_hash::vlan_and_type_offset(eth, len, type_at);
    return type_at == 12 ? untagged_vlan : vid;
}

}  // namespace

uint16_t member_ingress(const MemberIngress& in, rte_mbuf** pkts, uint16_t n) {
    telemetry::PortCounters& c = in.port.counters[in.worker];
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < n; ++i) bytes += pkts[i]->pkt_len;
    c.rx_packets.add(n);
    c.rx_bytes.add(bytes);
    const BondView& b = in.bond;
    const bool collecting = b.member_distributing(in.member);
    const bool active = b.active == static_cast<int8_t>(in.member);
    const uint16_t bond_slot = b.slot;
    rte_mbuf* dropped[kBurst];
    uint16_t n_dropped = 0, kept = 0;
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
        const bool long_enough = m->data_len >= 14;
        const Mac dst = long_enough ? mac_from_bytes(eth) : 0;
        if (long_enough && mac_is_multicast(dst) && mac_is_reserved_group(dst) &&
            in.punt_reserved) {
            // Link-local to this member (LACPDUs, markers): up whatever the member's state.
            if (punt_frame(in.punt, PuntReason::kReservedMulticast, in.port.slot, m))
                c.to_control.add(1);
            else c.drop(DropReason::kReservedMulticast);
            dropped[n_dropped++] = m;  // the punt holds its own reference
            continue;
        }
        DropReason why{};
        bool drop = false;
        if (!collecting) {
            drop = true;
            why = DropReason::kBondInactive;
        } else if (b.mode == BondMode::kActiveBackup && !active) {
            drop = true;
            why = DropReason::kBondBackup;
        } else if (b.mode == BondMode::kBalanceSlb && long_enough) {
            if (mac_is_multicast(dst) && !active) {
                drop = true;
                why = DropReason::kBondBackup;
            } else {
                const int owner = in.fdb.lookup(mac_from_bytes(eth + 6),
                                                frame_vlan(eth, m->data_len, in.untagged_vlan));
                if (owner >= 0 && owner < Fdb::kRemote && owner != bond_slot) {
                    drop = true;
                    why = DropReason::kBondReflected;
                }
            }
        }
        if (drop) {
            c.drop(why);
            dropped[n_dropped++] = m;
        } else {
            pkts[kept++] = m;
        }
    }
    if (n_dropped) rte_pktmbuf_free_bulk(dropped, n_dropped);
    return kept;
}

void bond_transmit(const BondView& b, Port* const* ports, Port& bond, unsigned worker,
                   rte_mbuf** pkts, uint16_t n) {
    telemetry::PortCounters& c = bond.counters[worker];
    if (b.active < 0) {  // no member distributes
        rte_pktmbuf_free_bulk(pkts, n);
        c.drop(DropReason::kPortDown, n);
        return;
    }
    uint8_t member[kBurst];
    uint32_t used = 0;
    for (uint16_t i = 0; i < n; ++i) {
        const uint8_t* f = rte_pktmbuf_mtod(pkts[i], const uint8_t*);
        const uint16_t len = pkts[i]->data_len;
        uint8_t m = static_cast<uint8_t>(b.active);
        if (b.mode == BondMode::kBalanceTcp) m = b.bucket[bond_hash::tcp_bucket(f, len)];
        else if (b.mode == BondMode::kBalanceSlb)  // floods too: a MAC is seen on one link
            m = b.bucket[bond_hash::slb_bucket(f, len)];
        member[i] = m;
        used |= 1u << m;
    }
    uint64_t sent_packets = 0, sent_bytes = 0;
    for (unsigned m = 0; m < b.n_members && used; ++m) {
        if (!(used >> m & 1)) continue;
        used &= ~(1u << m);
        rte_mbuf* group[kBurst];
        uint32_t len[kBurst];
        uint16_t k = 0;
        for (uint16_t i = 0; i < n; ++i)
            if (member[i] == m) {
                len[k] = pkts[i]->pkt_len;
                group[k++] = pkts[i];
            }
        const uint16_t sent = transmit(*ports[b.member_slot[m]], worker, group, k);
        sent_packets += sent;
        for (uint16_t i = 0; i < sent; ++i) sent_bytes += len[i];
    }
    c.tx_packets.add(sent_packets);
    c.tx_bytes.add(sent_bytes);
}

}  // namespace vsw
