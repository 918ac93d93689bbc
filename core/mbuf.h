// mbuf helpers shared by the stages that hand one frame to several holders or put new headers in
// front of it without copying its payload. Header-only: each is a few instructions on the hot
// path, and core stays a library without DPDK (only their callers need it).
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

namespace vsw {

// Adds `k` references to every segment of `m`: each holder may then free the chain once.
inline void mbuf_share(rte_mbuf* m, int16_t k) {
    for (rte_mbuf* seg = m; seg; seg = seg->next) rte_mbuf_refcnt_update(seg, k);
}

// Makes `head` (one segment holding new headers) the first segment of chain `body`.
inline rte_mbuf* mbuf_chain_header(rte_mbuf* head, rte_mbuf* body) {
    head->next = body;
    head->nb_segs = static_cast<uint16_t>(1 + body->nb_segs);
    head->pkt_len = head->data_len + body->pkt_len;
    return head;
}

// Cuts chain `m` to `len` bytes (at most its length), freeing segments past it.
inline void mbuf_truncate(rte_mbuf* m, uint32_t len) {
    m->pkt_len = len;
    uint32_t left = len;
    rte_mbuf* seg = m;
    uint16_t nb = 0;
    while (seg) {
        ++nb;
        if (seg->data_len >= left) {
            seg->data_len = static_cast<uint16_t>(left);
            rte_pktmbuf_free(seg->next);
            seg->next = nullptr;
            break;
        }
        left -= seg->data_len;
        seg = seg->next;
    }
    m->nb_segs = nb;
}

// A guest's large TCP frame (TSO: RTE_MBUF_F_TX_TCP_SEG, with tso_segsz and the header
// lengths set when it was accepted) stands for several packets on a wire: how many, and their
// bytes (each repeats the headers). Any other frame is one packet of its own length.
inline uint32_t wire_packets(const rte_mbuf* m) {
    if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) || m->tso_segsz == 0) return 1;
    const uint32_t headers = m->l2_len + m->l3_len + m->l4_len;
    const uint32_t payload = m->pkt_len > headers ? m->pkt_len - headers : 0;
    return payload ? (payload + m->tso_segsz - 1) / m->tso_segsz : 1;
}
inline uint64_t wire_bytes(const rte_mbuf* m) {
    return m->pkt_len + uint64_t{wire_packets(m) - 1} * (m->l2_len + m->l3_len + m->l4_len);
}

}  // namespace vsw
