#include "overlay/vxlan_encap.h"

#include <rte_mbuf.h>

#include <cstring>

#include "core/mbuf.h"

namespace vsw {

rte_mbuf* vxlan_encapsulate(rte_mbuf* m, const uint8_t* outer, uint32_t vni, uint16_t ip_id,
                            rte_mempool* pool) {
    const uint32_t inner_len = m->pkt_len;
    const uint16_t src_port = vxlan_source_port(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len);
    uint8_t* h = nullptr;
    rte_mbuf* out = m;
    if (rte_mbuf_refcnt_read(m) == 1 && RTE_MBUF_DIRECT(m))
        h = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kVxlanOuterLen));
    if (!h) {
        // The frame is shared (or has no headroom): a header segment of our own in front of
        // it. Chaining takes the caller's reference; the frame's bytes are never written.
        rte_mbuf* head = rte_pktmbuf_alloc(pool);
        if (!head) {
            rte_pktmbuf_free(m);
            return nullptr;
        }
        h = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(head, kVxlanOuterLen));
        out = mbuf_chain_header(head, m);
    }
    std::memcpy(h, outer, kVxlanOuterLen);
    finish_vxlan_header(h, inner_len, vni, src_port, ip_id);
    out->ol_flags = 0;
    out->packet_type = 0;
    return out;
}

void vxlan_strip(rte_mbuf* m, const VxlanFrame& f) {
    rte_pktmbuf_adj(m, f.inner_offset);
    if (m->pkt_len > f.inner_len)
        rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - f.inner_len));
}

}  // namespace vsw
