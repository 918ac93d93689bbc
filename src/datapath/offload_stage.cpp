#include "src/datapath/offload_stage.h"

#include <algorithm>

#include "offload/tcp_segment.h"
#include "virtio/virtio_net.h"

namespace vsw {
namespace {

// The layout read from the frame's bytes, wherever its headers are.
const char* layout_of(const rte_mbuf* m, bool tso, offload::L4Layout& l) {
    uint8_t buf[offload::kMaxHeaders];
    const uint32_t len = std::min<uint32_t>(offload::kMaxHeaders, m->pkt_len);
    const auto* head = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, len, buf));
    if (!head) return "shorter than its headers";
    return tso ? offload::read_tcp_layout(head, len, m->pkt_len, l)
               : offload::read_l4_layout(head, len, m->pkt_len, l);
}

// A guest's request for frame `m`, checked; true with the TX metadata set, or false.
bool accept(rte_mbuf* m, uint16_t mtu) {
    const uint64_t f = m->ol_flags;
    const bool tso = f & RTE_MBUF_F_RX_LRO;
    const bool partial = (f & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_NONE;
    if (!tso && !partial) return true;
    offload::L4Layout l;
    if (layout_of(m, tso, l) != nullptr) return false;
    if (tso && offload::check_tso(l, m->pkt_len, m->tso_segsz, mtu) != nullptr) return false;
    m->l2_len = l.l2_len;
    m->l3_len = l.l3_len;
    m->l4_len = l.l4_len;
    m->ol_flags =
        (l.l3 == offload::L3::kIpv4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6) |
        (l.l4_proto == offload::kProtoTcp ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM) |
        (tso ? RTE_MBUF_F_TX_TCP_SEG : 0);
    if (!tso) m->tso_segsz = 0;
    return true;
}

// Keeps the frames of a received burst that `keep` accepts and drops the others as `reason`,
// counted as received (as decide() counts what it drops); the burst is compacted.
template <class Keep>
uint16_t filter_received(rte_mbuf** pkts, uint16_t n, DropReason reason, telemetry::PortCounters& c,
                         Keep&& keep) {
    uint16_t kept = 0;
    rte_mbuf* refused[kBurst];
    uint16_t n_refused = 0;
    uint64_t refused_bytes = 0;
    for (uint16_t i = 0; i < n; ++i) {
        if (keep(pkts[i])) {
            pkts[kept++] = pkts[i];
        } else {
            refused_bytes += pkts[i]->pkt_len;
            refused[n_refused++] = pkts[i];
        }
    }
    if (n_refused) {
        c.rx_packets.add(n_refused);
        c.rx_bytes.add(refused_bytes);
        c.drop(reason, n_refused);
        rte_pktmbuf_free_bulk(refused, n_refused);
    }
    return kept;
}

}  // namespace

uint16_t accept_guest_offloads(rte_mbuf** pkts, uint16_t n, uint16_t mtu,
                               telemetry::PortCounters& c) {
    return filter_received(pkts, n, DropReason::kBadOffload, c,
                           [mtu](rte_mbuf* m) { return accept(m, mtu); });
}

uint32_t mtu_length(const rte_mbuf* m) {
    uint8_t buf[2];
    const auto* type = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 12, 2, buf));
    if (!type) return 0;  // a runt: decide() drops it
    const uint16_t t = static_cast<uint16_t>(type[0] << 8 | type[1]);
    const uint32_t l2 = (t == RTE_ETHER_TYPE_VLAN || t == RTE_ETHER_TYPE_QINQ) ? 18 : 14;
    return m->pkt_len > l2 ? m->pkt_len - l2 : 0;
}

uint16_t drop_over_mtu_slow(rte_mbuf** pkts, uint16_t n, uint16_t mtu, telemetry::PortCounters& c) {
    return filter_received(pkts, n, DropReason::kOverMtu, c, [mtu](rte_mbuf* m) {
        return m->pkt_len <= mtu + kEtherHeader || (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) ||
               mtu_length(m) <= mtu;
    });
}

uint32_t segments_for(const rte_mbuf* m, uint32_t mtu) {
    const auto headers = static_cast<uint32_t>(m->l2_len + m->l3_len + m->l4_len);
    const auto ip_headers = static_cast<uint32_t>(m->l3_len + m->l4_len);
    if (mtu <= ip_headers || m->pkt_len <= headers || m->tso_segsz == 0) return 0;
    const uint32_t mss = std::min<uint32_t>(m->tso_segsz, mtu - ip_headers);
    return (m->pkt_len - headers + mss - 1) / mss;
}

EgressOffloads device_egress_offloads(const DeviceOffloads& d, uint16_t mtu) {
    // One VLAN tag at most: the L2 header of a segment is 14 or 18 bytes.
    const uint16_t l2 = d.tso_counts_l2 ? RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN : 0;
    return {.csum = d.csum,
            .tso4 = d.tso4,
            .tso6 = d.tso6,
            .mtu = mtu,
            .device = true,
            .device_segment = static_cast<uint16_t>(mtu > l2 ? mtu - l2 : 0)};
}

EgressOffloads guest_egress_offloads(uint64_t virtio_features, uint16_t mtu) {
    const uint64_t f = virtio_features;
    EgressOffloads e;
    e.csum = f & virtio::bit(virtio::kGuestCsum);
    e.tso4 = e.csum && (f & virtio::bit(virtio::kGuestTso4));
    e.tso6 = e.csum && (f & virtio::bit(virtio::kGuestTso6));
    e.mtu = mtu;
    return e;
}

rte_mbuf* for_device(rte_mbuf* m, const EgressOffloads& can, rte_mempool* pool) {
    const bool tso = m->ol_flags & RTE_MBUF_F_TX_TCP_SEG;
    offload::L4Layout l;  // read again: a VLAN tag may have been pushed or removed since
    if (layout_of(m, tso, l) != nullptr) return nullptr;
    rte_mbuf* own = offload::with_own_headers(m, l, pool);
    if (!own || !tso) return own;
    const uint32_t ip_headers = uint32_t{l.l3_len} + l.l4_len;
    own->tso_segsz =
        static_cast<uint16_t>(std::min<uint32_t>(m->tso_segsz, can.device_segment - ip_headers));
    if (l.l3 == offload::L3::kIpv4) own->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
    return own;
}

uint16_t wire_frames(rte_mbuf* m, rte_mempool* pool, rte_mbuf** out, uint32_t mtu) {
    const bool tso = m->ol_flags & RTE_MBUF_F_TX_TCP_SEG;
    offload::L4Layout l;  // read again: a VLAN tag may have been pushed or removed since
    if (layout_of(m, tso, l) != nullptr) return 0;
    if (tso) {
        const uint32_t ip_headers = uint32_t{l.l3_len} + l.l4_len;
        if (mtu <= ip_headers) return 0;
        const auto mss = static_cast<uint16_t>(std::min<uint32_t>(m->tso_segsz, mtu - ip_headers));
        const uint32_t payload = m->pkt_len - l.headers();
        if ((payload + mss - 1) / mss > offload::kMaxSegments) return 0;
        return offload::segment_tcp(m, l, mss, pool, out);
    }
    out[0] = offload::with_checksum(m, l, pool);
    return out[0] ? 1 : 0;
}

}  // namespace vsw
