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

// The TCP or UDP checksum of a packet whose IP and L4 headers are at `ip` and `l4` (the
// checksum field zero) and whose payload is bytes [off, off + len) of chain `payload`.
uint16_t l4_checksum(const uint8_t* ip, const L4Layout& l, const uint8_t* l4,
                     const rte_mbuf* payload, uint32_t off, uint32_t len) {
    uint32_t sum = l.l3 == L3::kIpv4
                       ? rte_ipv4_phdr_cksum(reinterpret_cast<const rte_ipv4_hdr*>(ip), 0)
                       : rte_ipv6_phdr_cksum(reinterpret_cast<const rte_ipv6_hdr*>(ip), 0);
    sum += rte_raw_cksum(l4, l.l4_len);
    sum += sum_chain(payload, off, len);
    const auto csum = static_cast<uint16_t>(~fold(sum));
    return csum == 0 && l.l4_proto == kProtoUdp ? 0xffff : csum;  // UDP: 0 means "no checksum"
}

// The offset of the L4 checksum field.
uint16_t checksum_field(const L4Layout& l) {
    return static_cast<uint16_t>(l.l2_len + l.l3_len + (l.l4_proto == kProtoTcp ? 16 : 6));
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

// A new frame: `hlen` header bytes (copied from `hdr`) chained to indirect mbufs over bytes
// [off, off + len) of `m`. Null if `pool` ran out.
rte_mbuf* frame_over(const uint8_t* hdr, uint16_t hlen, const rte_mbuf* m, uint32_t off,
                     uint32_t len, rte_mempool* pool, uint8_t*& headers) {
    rte_mbuf* head = rte_pktmbuf_alloc(pool);
    headers = head ? reinterpret_cast<uint8_t*>(rte_pktmbuf_append(head, hlen)) : nullptr;
    if (!headers || !attach_payload(head, m, off, len, pool)) {
        rte_pktmbuf_free(head);
        return nullptr;
    }
    std::memcpy(headers, hdr, hlen);
    return head;
}

// m's first `hlen` bytes, wherever they are (a retagged frame has its MACs in a segment of their
// own): a pointer into m or into `buf`.
const uint8_t* headers_of(const rte_mbuf* m, uint16_t hlen, uint8_t* buf) {
    return static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, hlen, buf));
}

// Frame `m` (layout `l`) with its headers copied into a new first mbuf (at `headers`) and its
// payload by reference. Null if `pool` ran out.
rte_mbuf* header_copy(rte_mbuf* m, const L4Layout& l, rte_mempool* pool, uint8_t*& headers) {
    const uint16_t hlen = l.headers();
    uint8_t buf[kMaxHeaders];
    return frame_over(headers_of(m, hlen, buf), hlen, m, hlen, m->pkt_len - hlen, pool, headers);
}

}  // namespace

uint16_t segment_tcp(rte_mbuf* m, const L4Layout& l, uint16_t mss, rte_mempool* pool,
                     rte_mbuf** out) {
    const uint16_t hlen = l.headers();
    const uint32_t payload = m->pkt_len - hlen;
    const auto n = static_cast<uint16_t>((payload + mss - 1) / mss);
    uint8_t buf[kMaxHeaders];
    const uint8_t* orig = headers_of(m, hlen, buf);
    const uint16_t l4_at = static_cast<uint16_t>(l.l2_len + l.l3_len);
    const uint32_t seq = get_be32(orig + l4_at + 4);
    const uint8_t flags = orig[l4_at + 13];
    const uint16_t ip_id = l.l3 == L3::kIpv4 ? get_be16(orig + l.l2_len + 4) : 0;
    for (uint16_t i = 0; i < n; ++i) {
        const uint32_t off = uint32_t{i} * mss;
        const auto len = static_cast<uint16_t>(std::min<uint32_t>(mss, payload - off));
        uint8_t* h = nullptr;
        rte_mbuf* seg = frame_over(orig, hlen, m, hlen + off, len, pool, h);
        if (!seg) {
            for (uint16_t k = 0; k < i; ++k) rte_pktmbuf_free(out[k]);
            return 0;
        }
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
        const uint16_t sum = l4_checksum(ip, l, tcp, m, hlen + off, len);
        std::memcpy(tcp + 16, &sum, 2);
        out[i] = seg;
    }
    return n;
}

rte_mbuf* with_checksum(rte_mbuf* m, const L4Layout& l, rte_mempool* pool) {
    uint8_t* h = nullptr;
    rte_mbuf* out = header_copy(m, l, pool, h);
    if (!out) return nullptr;
    const uint16_t hlen = l.headers();
    const uint16_t field = checksum_field(l);
    put_be16(h + field, 0);
    const uint16_t sum =
        l4_checksum(h + l.l2_len, l, h + l.l2_len + l.l3_len, m, hlen, m->pkt_len - hlen);
    std::memcpy(h + field, &sum, 2);
    return out;
}

rte_mbuf* with_own_headers(rte_mbuf* m, const L4Layout& l, rte_mempool* pool) {
    uint8_t* h = nullptr;
    rte_mbuf* out = header_copy(m, l, pool, h);
    if (!out) return nullptr;
    out->ol_flags = m->ol_flags;
    out->tso_segsz = m->tso_segsz;
    out->l2_len = l.l2_len;
    out->l3_len = l.l3_len;
    out->l4_len = l.l4_len;
    return out;
}

}  // namespace vsw::offload
