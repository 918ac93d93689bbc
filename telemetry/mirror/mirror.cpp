#include "telemetry/mirror/mirror.h"

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstring>

#include "core/bytes.h"
#include "core/ipv4.h"
#include "core/mbuf.h"

namespace vsw {
namespace {

constexpr uint16_t kMacsLen = 12;
constexpr uint16_t kTagLen = 4;
constexpr uint16_t kEthLen = 14;
constexpr uint16_t kIpv4Len = kIpv4HeaderLen;
constexpr uint16_t kGreLen = 8;  // flags + protocol + sequence number
constexpr uint16_t kGreProtoErspan2 = 0x88BE;
constexpr uint16_t kGreProtoErspan3 = 0x22EB;

// ERSPAN III timestamp in the session's unit, truncated to 32 bits.
uint32_t erspan_timestamp(const MirrorSession& s, uint64_t tsc) {
    static constexpr uint64_t kPerSecond[] = {10'000, 10'000'000, 1'000'000'000, 1'000'000};
    const unsigned __int128 ticks =
        static_cast<unsigned __int128>(tsc) * kPerSecond[s.granularity & 3];
    return static_cast<uint32_t>(ticks / (s.tsc_hz ? s.tsc_hz : 1));
}

}  // namespace

MirrorRuntime::~MirrorRuntime() {
    if (!handoff) return;
    rte_mbuf* m;
    while (rte_ring_dequeue(handoff, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
    rte_ring_free(handoff);
}

void number_erspan_copy(const MirrorSession& s, rte_mbuf* m) {
    const uint32_t seq = s.rt->gre_seq.load(std::memory_order_relaxed);
    s.rt->gre_seq.store(seq + 1, std::memory_order_relaxed);
    put_be32(rte_pktmbuf_mtod(m, uint8_t*) + kEthLen + kIpv4Len + 4, seq);
}

void build_erspan_template(const MirrorConfig& c, uint64_t src_mac, MirrorSession& s) {
    uint8_t* h = s.header;
    std::memset(h, 0, sizeof s.header);
    for (int i = 0; i < 6; ++i) {
        h[i] = static_cast<uint8_t>(c.next_hop_mac >> (40 - 8 * i));
        h[6 + i] = static_cast<uint8_t>(src_mac >> (40 - 8 * i));
    }
    put_be16(h + 12, 0x0800);
    uint8_t* ip = h + kEthLen;
    write_ipv4_template(ip, c.local_ip, c.remote_ip, 47 /* GRE */, c.ttl, c.dscp);
    uint8_t* gre = ip + kIpv4Len;
    put_be16(gre, 0x1000);  // S: a sequence number follows
    put_be16(gre + 2, c.kind == MirrorKind::kErspan2 ? kGreProtoErspan2 : kGreProtoErspan3);
    uint8_t* e = gre + kGreLen;
    const uint8_t version = c.kind == MirrorKind::kErspan2 ? 1 : 2;
    e[0] = static_cast<uint8_t>(version << 4);
    e[2] = static_cast<uint8_t>((c.session_id >> 8) & 0x3);
    e[3] = static_cast<uint8_t>(c.session_id);
    if (c.kind == MirrorKind::kErspan2) {
        put_be32(e + 4, c.index & 0xfffff);
        s.header_len = kEthLen + kIpv4Len + kGreLen + 8;
    } else {
        e[10] = static_cast<uint8_t>((c.hw_id >> 4) & 0x3);  // P=0, FT=0 (Ethernet)
        e[11] = static_cast<uint8_t>((c.hw_id & 0xf) << 4 | (c.granularity & 3)
                                                                << 1);  // D set per frame
        s.header_len = kEthLen + kIpv4Len + kGreLen + 12;
    }
    s.granularity = c.granularity;
}

rte_mbuf* mirror_copy(const MirrorSession& s, rte_mbuf* m, uint16_t vlan, bool egress,
                      rte_mempool* pool, bool& truncated) {
    truncated = s.snaplen && m->pkt_len > s.snaplen;
    if (s.kind == MirrorKind::kSpan && !truncated) {
        mbuf_share(m, 1);  // the same frame, one more holder
        return m;
    }
    const uint8_t* frame = rte_pktmbuf_mtod(m, const uint8_t*);
    const bool tagged = m->data_len >= kEthLen + kTagLen && frame[12] == 0x81 && frame[13] == 0x00;
    const uint8_t pcp = tagged ? frame[14] >> 5 : 0;
    rte_mbuf* body = rte_pktmbuf_clone(m, pool);
    if (!body) return nullptr;
    if (truncated) mbuf_truncate(body, s.snaplen);
    if (s.kind == MirrorKind::kSpan) return body;

    rte_mbuf* head = rte_pktmbuf_alloc(pool);
    if (!head) {
        rte_pktmbuf_free(body);
        return nullptr;
    }
    if (s.kind == MirrorKind::kRspan) {
        // MACs + the RSPAN tag, then the frame after its own MACs and tag.
        uint8_t* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(head, kMacsLen + kTagLen));
        std::memcpy(h, frame, kMacsLen);
        put_be16(h + kMacsLen, 0x8100);
        put_be16(h + kMacsLen + 2, make_tci(pcp, s.rspan_vlan));
        const uint16_t skip = tagged ? kMacsLen + kTagLen : kMacsLen;
        if (body->data_len < skip) {  // cannot happen for a frame that passed classification
            rte_pktmbuf_free(head);
            rte_pktmbuf_free(body);
            return nullptr;
        }
        rte_pktmbuf_adj(body, skip);
    } else {
        uint8_t* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(head, s.header_len));
        std::memcpy(h, s.header, s.header_len);
        uint8_t* ip = h + kEthLen;
        finish_ipv4_header(ip, static_cast<uint16_t>(s.header_len - kEthLen + body->pkt_len),
                           s.rt->ip_id.fetch_add(1, std::memory_order_relaxed));
        // The GRE sequence number is written by the session's owner when it sends the copy.
        uint8_t* e = ip + kIpv4Len + kGreLen;
        const uint16_t vid = vlan & kMaxVlan;  // the frame's VLAN in the switch
        // En (type II, 3 = tag kept in the frame) or BSO (type III, 0 = good frame).
        const uint8_t en = s.kind == MirrorKind::kErspan2 && tagged ? 3 : 0;
        e[0] = static_cast<uint8_t>(e[0] | (vid >> 8));
        e[1] = static_cast<uint8_t>(vid);
        e[2] = static_cast<uint8_t>(e[2] | pcp << 5 | en << 3 | (truncated ? 1 : 0) << 2);
        if (s.kind == MirrorKind::kErspan3) {
            put_be32(e + 4,
                     erspan_timestamp(s, rte_rdtsc()));  // only type III pays for reading the TSC
            e[11] = static_cast<uint8_t>(e[11] | (egress ? 1 : 0) << 3);
        }
    }
    return mbuf_chain_header(head, body);
}

}  // namespace vsw
