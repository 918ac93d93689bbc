// One copy from guest to guest, the mbuf side (issue 30): a frame vsw took from a guest's TX ring
// (virtio::TxChain, host pieces of guest memory) as an mbuf chain whose first segment is vsw's own
// copy of the headers and whose payload, past a copybreak, stays in guest memory as external
// buffers (rte_pktmbuf_attach_extbuf). Pure mbuf work: no rte_vhost call, no allocation but from
// the mempool, no lock, no syscall, no virtual call.
//
// What is copied and what is referenced.
// - A frame of at most `copybreak` bytes (without its virtio-net header) is copied whole into
//   pool mbufs: at that size a reference costs more than the copy (ONECOPY.md section 5).
// - A longer one gets a direct head mbuf with its first `header_bytes` bytes, copied: every
//   decision (learning, VLANs, port security, ACLs, offload checks) and every write
//   (rte_vhost_enqueue_burst's checksums) is made on that copy, never on guest memory, which the
//   guest may rewrite at any moment. The rest is one extbuf segment per guest piece (a piece of
//   more than 65535 bytes in two: buf_len is 16 bits), buf_iova RTE_BAD_IOVA (only CPUs copy from
//   it), data_off 0. A guest that rewrites its payload meanwhile tears only its own frame.
// - The offload request of the virtio-net header is read as rte_vhost 22.11 reads it in its
//   compliant mode (RTE_VHOST_USER_NET_COMPLIANT_OL_FLAGS, vhost_dequeue_offload), on vsw's copy
//   of the headers: RTE_MBUF_F_RX_L4_CKSUM_NONE for a partial checksum, RTE_MBUF_F_RX_LRO and
//   tso_segsz for TCP segmentation, the packet type from rte_net_get_ptype. What vsw never offers
//   is refused, not passed on: UDP fragmentation (UFO/USO), ECN, a GSO size of 0, segmentation of
//   a frame that is not TCP.
//
// Ownership rule: a guest reference never outlives the burst. The guest's buffers belong to vsw
// only until their used entries are written, so the used ring of a burst is written only once
// all_released(): every extbuf segment (and any clone attached to one) freed, which happens when
// rte_vhost_enqueue_burst has copied the frame into its destinations and the caller freed it.
// Anything that keeps a frame past the burst (NIC TX, shaping and backlog queues, mirrors,
// capture, the slow path) must take copy_out_of_guest() (or own_frame()) of it first.
//
// References are counted per burst slot in vsw's memory (GuestFrames), never in guest memory and
// never by head id (a guest may post one head twice). One GuestFrames per driven queue, used by
// the one PMD worker that owns the queue: its counts are not atomic.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <string_view>

#include "core/limits.h"
#include "virtio/split_ring.h"
#include "virtio/virtio_net.h"

namespace vsw::vhost {

// Frames of at most this many bytes are copied whole (without the virtio-net header). A guess
// between vhost-net's 256 (VHOST_GOODCOPY_LEN) and DPDK's "below 512" for its old zero-copy;
// the value is to be measured (issue 30's frame-size sweep).
inline constexpr uint32_t kDefaultCopybreak = 512;
// Bytes of a longer frame copied into its head segment: more than any header vsw parses (an
// 802.1Q tag, IPv4 with options and TCP with options: offload::kMaxHeaders, 138 bytes) and the
// 128 bytes tun zero-copy copies (GOODCOPY_LEN), with room for tunnel and IPv6 extension headers.
// The datapath parses a frame's headers from its first segment only.
inline constexpr uint16_t kDefaultHeaderBytes = 256;

struct FrameBuild {
    uint32_t copybreak = kDefaultCopybreak;  // frames up to this length are copied whole
    // Else: bytes copied into the head segment (at least 14, at most one mbuf's data room).
    uint16_t header_bytes = kDefaultHeaderBytes;
    // The device negotiated a host offload (VIRTIO_NET_F_CSUM, HOST_TSO4/6): the header's request
    // is read. Without, it is ignored, as rte_vhost ignores it (virtio_net_with_host_offload).
    bool host_offloads = true;
};

//  X(enumerator, counter name, description)
#define VSW_FRAME_ERRORS(X)                                                                    \
    X(kNone, "none", "no error")                                                               \
    X(kNoMbufs, "no_mbufs", "the mbuf pool ran out")                                           \
    X(kTooShort, "too_short", "fewer than 14 bytes after the virtio-net header")               \
    X(kBadOffload, "bad_offload_header",                                                       \
      "an offload request vsw does not offer or cannot honour (UDP GSO, ECN, GSO size 0, GSO " \
      "of a frame that is not TCP, a checksum outside the frame or its copied headers)")       \
    X(kSlotBusy, "slot_busy",                                                                  \
      "the burst slot is out of range or its last frame still refers to guest memory")

enum class FrameError : uint8_t {
#define VSW_X(e, name, desc) e,
    VSW_FRAME_ERRORS(VSW_X)
#undef VSW_X
};

// Counter name of an error ("bad_offload_header").
std::string_view frame_error_name(FrameError e);
// Human description of an error.
std::string_view frame_error_description(FrameError e);

// The guest references of one driven queue's burst: a shared-info block per burst slot, whose
// reference count is the number of mbufs attached to that slot's guest buffers, and the number
// of slots whose frame still refers to guest memory. Address-stable (the blocks point back at it):
// neither copied nor moved; destroyed only when all_released().
struct GuestFrames {
    GuestFrames();
    GuestFrames(const GuestFrames&) = delete;
    GuestFrames& operator=(const GuestFrames&) = delete;

    rte_mbuf_ext_shared_info shinfo[kBurst];  // by burst slot; free_cb counts `outstanding` down
    uint32_t outstanding = 0;                 // slots whose frame still refers to guest memory
};

// Slots of the burst whose frame still refers to guest memory.
inline uint32_t outstanding(const GuestFrames& g) {
    return g.outstanding;
}
// Whether no mbuf refers to the burst's guest buffers any more: the used ring may be written.
inline bool all_released(const GuestFrames& g) {
    return g.outstanding == 0;
}

// Where a frame's mbufs come from.
struct FrameMbufs {
    rte_mempool* pool = nullptr;  // copies: a whole frame, the head segment of a longer one
    // Segments that only refer to guest memory: mbufs without a data room of their own (a
    // pool mbuf drags 2 KB of unused room through the caches); `pool` when null.
    rte_mempool* attach = nullptr;
    // A fresh mbuf of `pool` (the burst's bulk allocation) for the first segment, or null. A
    // frame that uses it sets it to null.
    rte_mbuf* spare = nullptr;
};

// The frame in `chain` (its first 12 bytes the virtio-net header `hdr`, already copied out with
// virtio::read_net_header) as an mbuf chain from `mbufs`, for burst slot `slot` (< kBurst, its
// last frame released): pkt_len and nb_segs set, ol_flags, packet_type and tso_segsz from the
// header's request. Null with `err` set when a pool ran out, the frame is shorter than an
// Ethernet header, the request is refused, or the slot is busy; nothing is left allocated or
// referenced then (but the spare, if taken, is freed).
rte_mbuf* build_guest_frame(GuestFrames& g, uint16_t slot, const virtio::TxChain& chain,
                            const virtio::NetHeader& hdr, const FrameBuild& how, FrameMbufs& mbufs,
                            FrameError& err);

// The common small frame, in one piece with its virtio-net header and no longer than the
// copybreak and one mbuf: copied into `m` (an mbuf of the burst's bulk allocation, reset), which
// is returned. Null (and `m` freed, `err` set) when the header's request is refused. Whether a
// frame qualifies: fits_small_frame().
bool fits_small_frame(const virtio::TxChain& chain, const FrameBuild& how, uint16_t data_room);
rte_mbuf* build_small_frame(rte_mbuf* m, const virtio::TxChain& chain, const virtio::NetHeader& hdr,
                            const FrameBuild& how, FrameError& err);

// Whether any segment of `m` (directly, or as a clone attached to one) refers to guest memory
// through a GuestFrames slot.
bool references_guest(const rte_mbuf* m);

// A deep copy of chain `m` into mbufs of `pool` (metadata kept: ol_flags, l2/l3/l4_len,
// tso_segsz, VLAN fields, port, packet_type, hash), and `m` freed. Null, `m` untouched, when the
// pool ran out.
rte_mbuf* copy_out_of_guest(rte_mbuf* m, rte_mempool* pool);

// `m` itself when it does not refer to guest memory, else copy_out_of_guest(m, pool): what may
// be kept past the burst.
inline rte_mbuf* own_frame(rte_mbuf* m, rte_mempool* pool) {
    if (m->nb_segs == 1 && !(m->ol_flags & RTE_MBUF_F_EXTERNAL)) return m;  // the usual frame
    return references_guest(m) ? copy_out_of_guest(m, pool) : m;
}

}  // namespace vsw::vhost
