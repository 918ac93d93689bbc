#include "src/datapath/vlan_egress.h"

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include <cstring>

#include "core/mbuf.h"
#include "src/datapath/offload_stage.h"

namespace vsw {
namespace {

constexpr uint16_t kMacsLen = 12;  // destination + source MAC
constexpr uint16_t kTagLen = 4;    // 802.1Q header

// The offload metadata of `from` on `to`, whose L2 header is now `l2_len` bytes (a guest's
// large frame keeps its segment size and header lengths through a retag).
void carry_offloads(rte_mbuf* to, const rte_mbuf* from, uint16_t l2_len) {
    constexpr uint64_t kMetadata = kOffloadFlags | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6;
    if (!(from->ol_flags & kOffloadFlags)) return;
    to->ol_flags = (to->ol_flags & ~kMetadata) | (from->ol_flags & kMetadata);
    to->tso_segsz = from->tso_segsz;
    to->l3_len = from->l3_len;
    to->l4_len = from->l4_len;
    to->l2_len = l2_len;
}

}  // namespace

rte_mbuf* retag(rte_mbuf* m, EgressAction action, const FrameVlan& f, rte_mempool* pool) {
    const uint16_t tci = rte_cpu_to_be_16(make_tci(f.pcp, f.vlan));
    const uint16_t tpid = rte_cpu_to_be_16(kEtherTypeVlan);
    constexpr uint16_t kUntagged = kMacsLen + 2,
                       kTagged = kMacsLen + kTagLen + 2;  // L2 header bytes
    if (rte_mbuf_refcnt_read(m) == 1 && RTE_MBUF_DIRECT(m)) {
        uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
        switch (action) {
            case EgressAction::kStrip:
                memmove(p + kTagLen, p, kMacsLen);
                rte_pktmbuf_adj(m, kTagLen);
                carry_offloads(m, m, kUntagged);
                return m;
            case EgressAction::kPush:
                if (uint8_t* q = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kTagLen))) {
                    memmove(q, q + kTagLen, kMacsLen);
                    memcpy(q + kMacsLen, &tpid, 2);
                    memcpy(q + kMacsLen + 2, &tci, 2);
                    carry_offloads(m, m, kTagged);
                    return m;
                }
                break;  // no headroom: use a header segment
            case EgressAction::kSetVid: memcpy(p + kMacsLen + 2, &tci, 2); return m;
            case EgressAction::kAsIs: return m;
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
    uint8_t* h =
        reinterpret_cast<uint8_t*>(rte_pktmbuf_append(head, tag ? kMacsLen + kTagLen : kMacsLen));
    memcpy(h, rte_pktmbuf_mtod(m, const uint8_t*), kMacsLen);
    if (tag) {
        memcpy(h + kMacsLen, &tpid, 2);
        memcpy(h + kMacsLen + 2, &tci, 2);
    }
    carry_offloads(head, m, tag ? kTagged : kUntagged);
    rte_pktmbuf_free(m);  // the clone holds the payload now
    rte_pktmbuf_adj(body, old_header);
    return mbuf_chain_header(head, body);
}

}  // namespace vsw
