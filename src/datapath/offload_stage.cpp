#include "src/datapath/offload_stage.h"

#include <algorithm>

#include "offload/tcp_segment.h"
#include "virtio/virtio_net.h"

namespace vsw {
namespace {

constexpr uint32_t kGuestMtu = 1500;  // IP bytes per packet a guest's segments must fit

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
bool accept(rte_mbuf* m) {
    const uint64_t f = m->ol_flags;
    const bool tso = f & RTE_MBUF_F_RX_LRO;
    const bool partial = (f & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_NONE;
    if (!tso && !partial) return true;
    offload::L4Layout l;
    if (layout_of(m, tso, l) != nullptr) return false;
    if (tso && offload::check_tso(l, m->pkt_len, m->tso_segsz, kGuestMtu) != nullptr) return false;
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

}  // namespace

uint16_t accept_guest_offloads(rte_mbuf** pkts, uint16_t n, telemetry::PortCounters& c) {
    uint16_t kept = 0;
    rte_mbuf* refused[kBurst];
    uint16_t n_refused = 0;
    uint64_t refused_bytes = 0;
    for (uint16_t i = 0; i < n; ++i) {
        if (accept(pkts[i])) {
            pkts[kept++] = pkts[i];
        } else {
            refused_bytes += pkts[i]->pkt_len;
            refused[n_refused++] = pkts[i];
        }
    }
    if (n_refused) {  // received, then dropped: counted as decide() counts what it drops
        c.rx_packets.add(n_refused);
        c.rx_bytes.add(refused_bytes);
        c.drop(DropReason::kBadOffload, n_refused);
        rte_pktmbuf_free_bulk(refused, n_refused);
    }
    return kept;
}

EgressOffloads egress_offloads(const Port& p) {
    if (!p.is_vhost() || !p.offloads.load(std::memory_order_relaxed)) return {};
    const uint64_t f = p.vhost.features.load(std::memory_order_relaxed);
    EgressOffloads e;
    e.csum = f & virtio::bit(virtio::kGuestCsum);
    e.tso4 = e.csum && (f & virtio::bit(virtio::kGuestTso4));
    e.tso6 = e.csum && (f & virtio::bit(virtio::kGuestTso6));
    return e;
}

uint16_t wire_frames(rte_mbuf* m, rte_mempool* pool, rte_mbuf** out) {
    const bool tso = m->ol_flags & RTE_MBUF_F_TX_TCP_SEG;
    offload::L4Layout l;  // read again: a VLAN tag may have been pushed or removed since
    if (layout_of(m, tso, l) != nullptr) return 0;
    if (tso) return offload::segment_tcp(m, l, m->tso_segsz, pool, out);
    out[0] = offload::with_checksum(m, l, pool);
    return out[0] ? 1 : 0;
}

}  // namespace vsw
