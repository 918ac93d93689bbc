#include "vhost/guest_frame.h"

#include <rte_memcpy.h>
#include <rte_net.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace vsw::vhost {
namespace {

using virtio::NetHeader;
using virtio::TxChain;

constexpr uint32_t kNetHeaderBytes = sizeof(NetHeader);
constexpr uint32_t kEtherHeader = 14;
constexpr uint32_t kMaxExtLen = UINT16_MAX;  // rte_pktmbuf_attach_extbuf: buf_len is 16 bits
// A piece is at most a whole chain, so it splits in two at most.
static_assert(virtio::kMaxChainBytes <= 2 * kMaxExtLen);
// Mbufs of one frame: a head, then up to two per piece; a whole copy uses no more.
constexpr unsigned kMaxFrameMbufs = 1 + 2 * virtio::kMaxSegments;

// The free callback of every GuestFrames block: the last mbuf attached to a slot's guest buffers
// is gone. Also how references_guest() recognises them.
void release_slot(void* /*addr*/, void* opaque) {
    --static_cast<GuestFrames*>(opaque)->outstanding;
}

// A read position in a chain's pieces.
struct Cursor {
    const TxChain& chain;
    uint16_t piece = 0;  // index into chain.segs
    uint32_t at = 0;     // offset within it

    // Bytes left in the current piece (0 at the end of the chain).
    uint32_t left_in_piece() const { return piece < chain.count ? chain.segs[piece].len - at : 0; }
    const uint8_t* here() const { return chain.segs[piece].host + at; }
    void advance(uint32_t n) {
        at += n;
        while (piece < chain.count && at == chain.segs[piece].len) {
            ++piece;
            at = 0;
        }
    }
    // Copies `n` bytes (the caller knows they are there) to `dst` and moves past them.
    void copy(uint8_t* dst, uint32_t n) {
        while (n) {
            const uint32_t k = std::min(n, left_in_piece());
            if (k == 0) return;  // past the end: not for a chain walk_chain made
            std::memcpy(dst, here(), k);
            dst += k;
            n -= k;
            advance(k);
        }
    }
};

Cursor cursor_at(const TxChain& chain, uint32_t offset) {
    Cursor c{chain};
    c.advance(0);  // past empty leading pieces
    while (offset) {
        const uint32_t k = std::min(offset, c.left_in_piece());
        if (k == 0) break;  // past the end: not for a chain walk_chain made
        c.advance(k);
        offset -= k;
    }
    return c;
}

// Extbuf segments for the bytes from `c` to the end of the chain.
unsigned ext_segments(const Cursor& c) {
    unsigned n = 0;
    uint32_t first = c.at;
    for (uint16_t i = c.piece; i < c.chain.count; ++i, first = 0) {
        n += (c.chain.segs[i].len - first + kMaxExtLen - 1) / kMaxExtLen;
    }
    return n;
}

uint16_t data_room(rte_mempool* pool) {
    const uint16_t room = rte_pktmbuf_data_room_size(pool);
    return room > RTE_PKTMBUF_HEADROOM ? static_cast<uint16_t>(room - RTE_PKTMBUF_HEADROOM) : 0;
}

// What the virtio-net header asks of a frame, as rte_vhost's compliant mode marks it.
struct Request {
    uint64_t ol_flags = 0;
    uint32_t packet_type = 0;
    uint16_t tso_segsz = 0;
    bool software_csum = false;  // vsw finishes the checksum (unknown L4 or csum_start past it)
};

// Reads the request of `hdr` from the headers in `m` (vsw's copy: a head segment alone, or a
// whole copied frame) of a frame `frame_len` bytes long. False: refused.
// Mirrors vhost_dequeue_offload (DPDK 22.11 lib/vhost/virtio_net.c, not legacy_ol_flags), except
// that what it lets through without a mark (GSO of a non-TCP frame, UDP GSO vsw never offers, a
// GSO size of 0, an unknown GSO type, ECN; a software checksum it cannot place) is refused.
bool read_request(const rte_mbuf* m, uint32_t frame_len, const NetHeader& hdr, Request& r) {
    if (hdr.flags == 0 && hdr.gso_type == virtio::kGsoNone) return true;
    rte_net_hdr_lens lens{};
    r.packet_type = rte_net_get_ptype(m, &lens, RTE_PTYPE_ALL_MASK);
    r.ol_flags = RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN;
    const uint32_t l4 = r.packet_type & RTE_PTYPE_L4_MASK;
    if (hdr.flags & virtio::kHdrNeedsCsum) {
        const uint32_t headers = uint32_t{lens.l2_len} + lens.l3_len + lens.l4_len;
        const bool l4_known =
            l4 == RTE_PTYPE_L4_TCP || l4 == RTE_PTYPE_L4_UDP || l4 == RTE_PTYPE_L4_SCTP;
        if (hdr.csum_start <= headers && l4_known) {
            r.ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
        } else {
            // rte_vhost finishes such a checksum itself; the field must lie in vsw's copy.
            if (hdr.csum_start >= frame_len) return false;
            if (uint32_t{hdr.csum_start} + hdr.csum_offset + 2 > m->data_len) return false;
            r.software_csum = true;
        }
    }
    if (hdr.gso_type != virtio::kGsoNone) {
        // TCP over IPv4 or IPv6 and nothing else: not UDP (UFO, USO), not with ECN (the bit
        // makes another value), no type virtio does not define.
        if (hdr.gso_type != virtio::kGsoTcpv4 && hdr.gso_type != virtio::kGsoTcpv6) return false;
        if (hdr.gso_size == 0 || l4 != RTE_PTYPE_L4_TCP) return false;
        r.ol_flags |= RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_NONE;
        r.tso_segsz = hdr.gso_size;
    }
    return true;
}

// The checksum from csum_start to the end of the frame, into its field in the head segment
// (read_request checked that it is there), as rte_vhost does for a partial checksum it cannot
// pass on.
void finish_checksum(rte_mbuf* m, const NetHeader& hdr) {
    uint16_t csum = 0;
    if (rte_raw_cksum_mbuf(m, hdr.csum_start, m->pkt_len - hdr.csum_start, &csum) < 0) return;
    if (csum != 0xffff) csum = static_cast<uint16_t>(~csum);
    std::memcpy(rte_pktmbuf_mtod_offset(m, uint8_t*, hdr.csum_start + hdr.csum_offset), &csum,
                sizeof csum);
}

// Sets the request on the head, and finishes a software checksum (the chain complete).
void apply_request(rte_mbuf* head, const Request& r, const NetHeader& hdr) {
    head->ol_flags = r.ol_flags;
    head->packet_type = r.packet_type;
    head->tso_segsz = r.tso_segsz;
    if (r.software_csum) finish_checksum(head, hdr);
}

// A frame copied whole (`m`, `len` bytes) with the header's request read and set on it; null,
// `m` freed and `err` set, when the request is refused.
rte_mbuf* with_request(rte_mbuf* m, uint32_t len, const NetHeader& hdr, FrameError& err) {
    Request r;
    if (!read_request(m, len, hdr, r)) {
        rte_pktmbuf_free(m);
        err = FrameError::kBadOffload;
        return nullptr;
    }
    apply_request(m, r, hdr);
    return m;
}

// mbufs[0..n) chained into one frame of `len` bytes (each data_len set).
rte_mbuf* link(rte_mbuf** mbufs, unsigned n, uint32_t len) {
    for (unsigned i = 1; i < n; ++i) mbufs[i - 1]->next = mbufs[i];
    mbufs[0]->nb_segs = static_cast<uint16_t>(n);
    mbufs[0]->pkt_len = len;
    return mbufs[0];
}

// n mbufs of `pool` into out[]: the spare first, if there is one.
bool take_mbufs(FrameMbufs& mbufs, rte_mbuf** out, unsigned n) {
    unsigned have = 0;
    if (mbufs.spare) out[have++] = std::exchange(mbufs.spare, nullptr);
    // (A bulk get of 0 mbufs fails with the ring driver.)
    if (n == have || rte_pktmbuf_alloc_bulk(mbufs.pool, out + have, n - have) == 0) return true;
    if (have) rte_pktmbuf_free(out[0]);
    return false;
}

// A frame of `len` bytes copied whole into `n` mbufs of `room` bytes each.
rte_mbuf* copy_whole(const TxChain& chain, uint32_t len, unsigned n, uint16_t room,
                     const NetHeader& hdr, FrameMbufs& pools, FrameError& err) {
    rte_mbuf* mbufs[kMaxFrameMbufs];
    if (!take_mbufs(pools, mbufs, n)) {
        err = FrameError::kNoMbufs;
        return nullptr;
    }
    Cursor c = cursor_at(chain, kNetHeaderBytes);
    uint32_t left = len;
    for (unsigned i = 0; i < n; ++i) {
        const auto k = static_cast<uint16_t>(std::min<uint32_t>(left, room));
        c.copy(rte_pktmbuf_mtod(mbufs[i], uint8_t*), k);
        mbufs[i]->data_len = k;
        left -= k;
    }
    return with_request(link(mbufs, n, len), len, hdr, err);
}

// A frame of `len` bytes as a head segment with its first `head_len` bytes, copied, and the rest
// attached from guest memory to slot `sh`.
rte_mbuf* copy_head(GuestFrames& g, rte_mbuf_ext_shared_info& sh, const TxChain& chain,
                    uint32_t len, uint16_t head_len, const NetHeader& hdr, FrameMbufs& pools,
                    FrameError& err) {
    Cursor c = cursor_at(chain, kNetHeaderBytes);
    const unsigned n_ext = ext_segments(cursor_at(chain, kNetHeaderBytes + head_len));
    const unsigned n = 1 + n_ext;
    rte_mbuf* mbufs[kMaxFrameMbufs];
    if (!take_mbufs(pools, mbufs, 1)) {
        err = FrameError::kNoMbufs;
        return nullptr;
    }
    rte_mbuf* head = mbufs[0];
    if (n_ext &&
        rte_pktmbuf_alloc_bulk(pools.attach ? pools.attach : pools.pool, mbufs + 1, n_ext) != 0) {
        rte_pktmbuf_free(head);
        err = FrameError::kNoMbufs;
        return nullptr;
    }
    c.copy(rte_pktmbuf_mtod(head, uint8_t*), head_len);
    head->data_len = head_len;
    head->pkt_len = head_len;
    Request r;
    if (!read_request(head, len, hdr, r)) {  // on vsw's copy alone: nothing of the guest's
        rte_pktmbuf_free_bulk(mbufs, n);
        err = FrameError::kBadOffload;
        return nullptr;
    }
    // Nothing writes through these pointers: rte_vhost_enqueue_burst writes its checksums into
    // the head, and every stage of vsw into its first segment.
    for (unsigned i = 1; i < n; ++i) {
        const uint32_t k = std::min(c.left_in_piece(), kMaxExtLen);
        rte_pktmbuf_attach_extbuf(mbufs[i], const_cast<uint8_t*>(c.here()), RTE_BAD_IOVA,
                                  static_cast<uint16_t>(k), &sh);
        mbufs[i]->data_len = static_cast<uint16_t>(k);
        c.advance(k);
    }
    if (n_ext) {
        rte_mbuf_ext_refcnt_set(&sh, static_cast<uint16_t>(n_ext));
        ++g.outstanding;
    }
    link(mbufs, n, len);
    apply_request(head, r, hdr);
    return head;
}

}  // namespace

std::string_view frame_error_name(FrameError e) {
    switch (e) {
#define VSW_X(en, name, desc) \
    case FrameError::en: return name;
        VSW_FRAME_ERRORS(VSW_X)
#undef VSW_X
    }
    return "unknown";
}

std::string_view frame_error_description(FrameError e) {
    switch (e) {
#define VSW_X(en, name, desc) \
    case FrameError::en: return desc;
        VSW_FRAME_ERRORS(VSW_X)
#undef VSW_X
    }
    return "unknown";
}

GuestFrames::GuestFrames() {
    for (auto& sh : shinfo) {
        sh.free_cb = release_slot;
        sh.fcb_opaque = this;
        rte_mbuf_ext_refcnt_set(&sh, 0);
    }
}

rte_mbuf* build_guest_frame(GuestFrames& g, uint16_t slot, const TxChain& chain,
                            const NetHeader& hdr, const FrameBuild& how, FrameMbufs& mbufs,
                            FrameError& err) {
    err = FrameError::kNone;
    if (chain.len < kNetHeaderBytes + kEtherHeader) {
        err = FrameError::kTooShort;
        return nullptr;
    }
    if (slot >= kBurst || rte_mbuf_ext_refcnt_read(&g.shinfo[slot]) != 0) {
        err = FrameError::kSlotBusy;
        return nullptr;
    }
    const NetHeader none{};
    const NetHeader& request = how.host_offloads ? hdr : none;
    const uint32_t len = chain.len - kNetHeaderBytes;
    const uint16_t room = data_room(mbufs.pool);
    if (room < kEtherHeader) {
        err = FrameError::kNoMbufs;  // no mbuf of this pool can hold a header
        return nullptr;
    }
    if (len <= how.copybreak) {  // (the division only here: it showed in profiles)
        const uint32_t whole = (len + room - 1) / room;
        if (whole <= kMaxFrameMbufs)
            return copy_whole(chain, len, whole, room, request, mbufs, err);
    }
    const auto head_len = static_cast<uint16_t>(
        std::min<uint32_t>({std::max<uint32_t>(how.header_bytes, kEtherHeader), room, len}));
    return copy_head(g, g.shinfo[slot], chain, len, head_len, request, mbufs, err);
}

bool fits_small_frame(const TxChain& chain, const FrameBuild& how, uint16_t room) {
    if (chain.count != 1 || chain.len < kNetHeaderBytes + kEtherHeader) return false;
    const uint32_t len = chain.len - kNetHeaderBytes;
    return len <= how.copybreak && len <= room;
}

rte_mbuf* build_small_frame(rte_mbuf* m, const TxChain& chain, const NetHeader& hdr,
                            const FrameBuild& how, FrameError& err) {
    err = FrameError::kNone;
    const uint32_t len = chain.len - kNetHeaderBytes;
    rte_memcpy(rte_pktmbuf_mtod(m, uint8_t*), chain.segs[0].host + kNetHeaderBytes, len);
    m->data_len = static_cast<uint16_t>(len);
    m->pkt_len = len;
    const NetHeader none{};
    return with_request(m, len, how.host_offloads ? hdr : none, err);
}

bool references_guest(const rte_mbuf* m) {
    for (const rte_mbuf* s = m; s; s = s->next) {
        if (RTE_MBUF_HAS_EXTBUF(s) && s->shinfo && s->shinfo->free_cb == release_slot) return true;
    }
    return false;
}

rte_mbuf* copy_out_of_guest(rte_mbuf* m, rte_mempool* pool) {
    rte_mbuf* copy = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
    if (!copy) return nullptr;
    rte_pktmbuf_free(m);
    return copy;
}

}  // namespace vsw::vhost
