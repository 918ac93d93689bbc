#include "offload/tcp_segment.h"

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "core/bytes.h"

namespace vsw::offload {
namespace {

constexpr uint8_t kTcpFin = 0x01, kTcpPsh = 0x08, kTcpCwr = 0x80;

uint16_t fold(uint32_t sum) {
    sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>((sum & 0xffff) + (sum >> 16));
}

// The one's-complement sum of bytes [off, off + len) of chain `m`, folded to 16 bits. (DPDK
// 22.11's rte_raw_cksum_mbuf truncates a piece's sum before swapping the bytes of a piece that
// starts at an odd offset: wrong for pieces of more than a few bytes.)
uint16_t sum_chain(const rte_mbuf* m, uint32_t off, uint32_t len) {
    while (m && off >= m->data_len) {
        off -= m->data_len;
        m = m->next;
    }
    uint32_t sum = 0, done = 0;
    for (; m && done < len; m = m->next, off = 0) {
        const uint32_t n = std::min<uint32_t>(m->data_len - off, len - done);
        uint16_t piece = rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const uint8_t*, off), n);
        if (done & 1) piece = rte_bswap16(piece);  // this piece's bytes sit at odd positions
        sum += piece;
        done += n;
    }
    return fold(sum);
}

// The TCP checksum of a segment whose IP and TCP headers are at `ip` and `tcp` (the TCP
// checksum field zero) and whose payload is bytes [off, off + len) of chain `payload`.
uint16_t tcp_checksum(const uint8_t* ip, L3 l3, const uint8_t* tcp, uint16_t tcp_len,
                      const rte_mbuf* payload, uint32_t off, uint32_t len) {
    uint32_t sum = l3 == L3::kIpv4
                       ? rte_ipv4_phdr_cksum(reinterpret_cast<const rte_ipv4_hdr*>(ip), 0)
                       : rte_ipv6_phdr_cksum(reinterpret_cast<const rte_ipv6_hdr*>(ip), 0);
    sum += rte_raw_cksum(tcp, tcp_len);
    sum += sum_chain(payload, off, len);
    return static_cast<uint16_t>(~fold(sum));
}

// Chains indirect mbufs over bytes [off, off + len) of `m` to `head`. False if `pool` ran out.
bool attach_payload(rte_mbuf* head, const rte_mbuf* m, uint32_t off, uint32_t len,
                    rte_mempool* pool) {
    const rte_mbuf* seg = m;
    while (seg && off >= seg->data_len) {
        off -= seg->data_len;
        seg = seg->next;
    }
    rte_mbuf* tail = head;
    while (len && seg) {
        rte_mbuf* piece = rte_pktmbuf_alloc(pool);
        if (!piece) return false;
        rte_pktmbuf_attach(piece, const_cast<rte_mbuf*>(seg));
        const auto take = static_cast<uint16_t>(std::min<uint32_t>(seg->data_len - off, len));
        piece->data_off = static_cast<uint16_t>(piece->data_off + off);
        piece->data_len = take;
        piece->pkt_len = take;
        tail->next = piece;
        tail = piece;
        head->nb_segs++;
        head->pkt_len += take;
        len -= take;
        off = 0;
        seg = seg->next;
    }
    return len == 0;
}

}  // namespace

uint16_t segment_tcp(rte_mbuf* m, const TcpLayout& l, uint16_t mss, rte_mempool* pool,
                     rte_mbuf** out) {
    const uint16_t hlen = l.headers();
    const uint32_t payload = m->pkt_len - hlen;
    const auto n = static_cast<uint16_t>((payload + mss - 1) / mss);
    const uint8_t* orig = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint16_t l4_at = static_cast<uint16_t>(l.l2_len + l.l3_len);
    const uint32_t seq = get_be32(orig + l4_at + 4);
    const uint8_t flags = orig[l4_at + 13];
    const uint16_t ip_id = l.l3 == L3::kIpv4 ? get_be16(orig + l.l2_len + 4) : 0;
    for (uint16_t i = 0; i < n; ++i) {
        const uint32_t off = uint32_t{i} * mss;
        const auto len = static_cast<uint16_t>(std::min<uint32_t>(mss, payload - off));
        rte_mbuf* head = rte_pktmbuf_alloc(pool);
        auto* h = head ? reinterpret_cast<uint8_t*>(rte_pktmbuf_append(head, hlen)) : nullptr;
        if (!h || !attach_payload(head, m, hlen + off, len, pool)) {
            rte_pktmbuf_free(head);
            for (uint16_t k = 0; k < i; ++k) rte_pktmbuf_free(out[k]);
            return 0;
        }
        std::memcpy(h, orig, hlen);
        uint8_t* ip = h + l.l2_len;
        uint8_t* tcp = h + l4_at;
        if (l.l3 == L3::kIpv4) {
            put_be16(ip + 2, static_cast<uint16_t>(l.l3_len + l.l4_len + len));
            put_be16(ip + 4, static_cast<uint16_t>(ip_id + i));
            put_be16(ip + 10, 0);
            const uint16_t ip_sum = rte_ipv4_cksum(reinterpret_cast<const rte_ipv4_hdr*>(ip));
            std::memcpy(ip + 10, &ip_sum, 2);  // already in network order
        } else {
            put_be16(ip + 4, static_cast<uint16_t>(l.l4_len + len));
        }
        put_be32(tcp + 4, seq + off);
        uint8_t f = flags;
        if (i + 1 < n) f = static_cast<uint8_t>(f & ~(kTcpFin | kTcpPsh));
        if (i > 0) f = static_cast<uint8_t>(f & ~kTcpCwr);
        tcp[13] = f;
        put_be16(tcp + 16, 0);
        const uint16_t sum = tcp_checksum(ip, l.l3, tcp, l.l4_len, m, hlen + off, len);
        std::memcpy(tcp + 16, &sum, 2);
        out[i] = head;
    }
    return n;
}

void fill_tcp_checksum(rte_mbuf* m, const TcpLayout& l) {
    uint8_t* f = rte_pktmbuf_mtod(m, uint8_t*);
    uint8_t* ip = f + l.l2_len;
    uint8_t* tcp = ip + l.l3_len;
    put_be16(tcp + 16, 0);
    const uint16_t hlen = l.headers();
    const uint16_t sum = tcp_checksum(ip, l.l3, tcp, l.l4_len, m, hlen, m->pkt_len - hlen);
    std::memcpy(tcp + 16, &sum, 2);
}

}  // namespace vsw::offload
