// Frames as chains of mbufs, and back to bytes: for the offload tests and the offload fuzz
// target (no test framework here).
#pragma once

#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace vsw::test {

// `bytes` as a chain of mbufs from `pool` cut at `cuts` (offsets, ascending), as a guest's large
// frame arrives. Null if the pool ran out.
inline rte_mbuf* chain_from(rte_mempool* pool, const std::vector<uint8_t>& bytes,
                            std::vector<size_t> cuts) {
    cuts.push_back(bytes.size());
    rte_mbuf* head = nullptr;
    rte_mbuf* tail = nullptr;
    size_t at = 0;
    for (size_t cut : cuts) {
        cut = std::min(cut, bytes.size());  // a cut beyond a short frame
        while (at < cut) {
            rte_mbuf* m = rte_pktmbuf_alloc(pool);
            if (!m) {
                rte_pktmbuf_free(head);
                return nullptr;
            }
            const auto n =
                static_cast<uint16_t>(std::min<size_t>(cut - at, rte_pktmbuf_tailroom(m)));
            std::memcpy(rte_pktmbuf_append(m, n), bytes.data() + at, n);
            at += n;
            if (!head) {
                head = tail = m;
            } else {
                tail->next = m;
                tail = m;
                head->nb_segs++;
                head->pkt_len += n;
            }
        }
    }
    return head;
}

inline std::vector<uint8_t> flat(const rte_mbuf* m) {
    std::vector<uint8_t> out(m->pkt_len);
    const void* p = rte_pktmbuf_read(m, 0, m->pkt_len, out.data());
    if (p && p != out.data()) std::memcpy(out.data(), p, m->pkt_len);
    return out;
}

}  // namespace vsw::test
