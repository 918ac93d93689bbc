// The device side of a split virtqueue (virtio 1.2 spec, 2.7), for the guest TX rings vsw drives
// itself: take heads from the avail ring, walk each chain into host pieces of the frame, give the
// heads back in the used ring. Pure: no DPDK, no allocation, no exceptions, no virtual calls (it
// runs per frame on the PMD); unit-tested and fuzzed over fake guest memory
// (tests/virtio/split_ring_test.cpp, tests/fuzz/split_ring_fuzz.cpp).
//
// Threat model. The rings and buffers live in guest memory, and a hostile guest may rewrite any of
// it at any moment from another CPU, also between two reads of the same field. So:
// - avail->idx is read once per take_avail(), each avail entry once, each descriptor once into a
//   local (two 8-byte loads: a torn descriptor is only garbage, and garbage is checked);
// - an indirect table is copied into caller-owned scratch before it is walked;
// - every index is checked against its table, every guest range must lie wholly in guest memory
//   (no u64 wrap), a chain has at most as many hops as its table has entries, and it is bounded in
//   bytes and in pieces;
// - the device's own indices (last_avail, last_used) live in vsw's memory and are never read back
//   from the guest;
// - what a chain yields are host pointers into guest memory: the bytes behind them may still
// change.
//   Whatever vsw decides on (the virtio-net header, L2-L4 headers) must be copied out first
//   (copy_out, read_net_header) and only the copy looked at.
// The worst a guest achieves is a refused chain (counted, the head given back) or a broken ring
// (its own queue stops), never a read or write outside its memory, nor state vsw keeps by head id.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "virtio/virtio_net.h"

namespace vsw::virtio {

static_assert(std::endian::native == std::endian::little,
              "virtio 1.x rings are little-endian; vsw reads their fields natively");

// ---- Guest memory ---------------------------------------------------------------------------

// One piece of guest physical memory mapped into vsw (from VHOST_USER_SET_MEM_TABLE).
struct MemoryRegion {
    uint64_t guest_phys;  // first guest physical address of the region
    uint64_t size;        // its length in bytes
    uint8_t* host_addr;   // where vsw mapped its first byte
};

// A host pointer and length: a piece of a frame, or of any guest range, in one region.
struct Segment {
    const uint8_t* host;  // first byte, in vsw's mapping of guest memory
    uint32_t len;         // bytes
};

// The guest's memory as vsw maps it: up to 8 regions (VHOST_MEMORY_MAX_NREGIONS).
struct GuestMemory {
    static constexpr unsigned kMaxRegions = 8;

    MemoryRegion regions[kMaxRegions];  // the first `count` are in use
    unsigned count = 0;                 // regions in use

    // Adds a region. False (nothing added) when the table is full, the region is empty, has no
    // host address, or its guest range would run past the top of the 64-bit address space.
    bool add(const MemoryRegion& r);

    // Host address of [gpa, gpa + len) when that range lies wholly inside one region, else null
    // (also when gpa + len wraps). With len 0: the host address of gpa, if it is mapped.
    uint8_t* translate(uint64_t gpa, uint64_t len) const;

    // The part of [gpa, gpa + len) that lies in the region holding gpa: its host address and
    // length (at most len). {nullptr, 0} when no region holds gpa or the range wraps.
    struct Piece {
        uint8_t* host;  // host address of gpa
        uint64_t len;   // bytes from there that are in the same region
    };
    Piece piece(uint64_t gpa, uint64_t len) const;
};

// ---- Ring layout (spec 2.7.5-2.7.8), little-endian ------------------------------------------

// Descriptor flags.
inline constexpr uint16_t kDescNext = 1;      // the chain continues at `next`
inline constexpr uint16_t kDescWrite = 2;     // device-writable (an RX buffer): never in a TX chain
inline constexpr uint16_t kDescIndirect = 4;  // the buffer is a table of descriptors

// One descriptor of the table (16 bytes, the table 16-byte aligned).
struct Desc {
    uint64_t addr;   // guest physical address of the buffer
    uint32_t len;    // its length in bytes
    uint16_t flags;  // kDescNext | kDescWrite | kDescIndirect
    uint16_t next;   // index of the next descriptor when flags has kDescNext
};
static_assert(sizeof(Desc) == 16);

// The driver's ring (2-byte aligned): flags, idx, then ring[size] and used_event.
struct AvailHeader {
    uint16_t flags;  // kAvailNoInterrupt
    uint16_t idx;    // where the driver will put its next head (free-running, mod 2^16)
};
inline constexpr uint16_t kAvailNoInterrupt = 1;  // without EVENT_IDX: do not interrupt me

// One entry of the device's ring.
struct UsedElem {
    uint32_t id;   // head of the chain given back
    uint32_t len;  // bytes the device wrote into it (0 for TX)
};

// The device's ring (4-byte aligned): flags, idx, then ring[size] and avail_event.
struct UsedHeader {
    uint16_t flags;  // kUsedNoNotify
    uint16_t idx;    // where the device will put its next entry (free-running, mod 2^16)
};
inline constexpr uint16_t kUsedNoNotify = 1;  // without EVENT_IDX: do not kick me

// Sizes of the three parts for a ring of `size` entries (to check their mappings).
constexpr uint64_t desc_table_bytes(uint32_t size) {
    return uint64_t{16} * size;
}
constexpr uint64_t avail_ring_bytes(uint32_t size) {
    return 4 + uint64_t{2} * size + 2;
}
constexpr uint64_t used_ring_bytes(uint32_t size) {
    return 4 + uint64_t{8} * size + 2;
}
// Byte offsets within the used ring (what rte_vhost_log_used_vring takes).
inline constexpr uint32_t kUsedIdxOffset = 2;
constexpr uint32_t used_elem_offset(uint32_t slot) {
    return 4 + 8 * slot;
}

// The largest queue a split ring may have (spec 2.7: Queue Size at most 32768).
inline constexpr uint32_t kMaxQueueSize = 32768;

// A split ring as the device sees it: host pointers to its three parts, and the device's own
// indices, which only vsw writes. `size` is not assumed to be a power of two: slots are
// index % size. (The spec wants powers of two; with another size the free-running 16-bit
// indices skip slots where they wrap, which confuses only the guest that chose it.)
struct SplitRing {
    const Desc* desc;          // descriptor table, desc_table_bytes(size), guest memory
    const AvailHeader* avail;  // avail ring, avail_ring_bytes(size), guest memory
    UsedHeader* used;          // used ring, used_ring_bytes(size), guest memory
    uint32_t size;             // entries, 1..kMaxQueueSize
    uint16_t last_avail;       // the next avail index the device takes
    uint16_t last_used;        // the next used index the device writes
};

// Whether the pointers are set and aligned as the spec requires (desc 16, avail 2, used 4) and
// the size is 1..kMaxQueueSize. Check once when the ring is set up; the functions below assume it.
bool ring_layout_ok(const SplitRing& ring);

// ---- Why a chain (or the ring) is refused ---------------------------------------------------

//  X(enumerator, counter name, breaks the ring, description)
//  "Breaks the ring": no head can be given back (the index or the head itself is wrong), so the
//  queue stops until the guest resets it. Any other error: the head is valid; the caller gives it
//  back (used entry, len 0) and drops the frame.
#define VSW_CHAIN_ERRORS(X)                                                                       \
    X(kNone, "none", false, "no error")                                                           \
    X(kAvailIdxJump, "avail_idx_jump", true,                                                      \
      "avail->idx ran more than the ring size ahead of the device's last_avail")                  \
    X(kHeadOutOfRange, "head_out_of_range", true,                                                 \
      "an avail entry names no descriptor of the table")                                          \
    X(kNextOutOfRange, "next_out_of_range", false,                                                \
      "a descriptor's next names no descriptor of its table (the ring's or an indirect one)")     \
    X(kTooManyHops, "chain_loop", false,                                                          \
      "a chain with more descriptors than its table has: it loops")                               \
    X(kWritable, "writable_descriptor", false, "a device-writable descriptor in a TX chain")      \
    X(kIndirectWithNext, "indirect_with_next", false,                                             \
      "a descriptor with both INDIRECT and NEXT set")                                             \
    X(kNestedIndirect, "nested_indirect", false,                                                  \
      "an INDIRECT descriptor inside an indirect table")                                          \
    X(kIndirectBadLength, "indirect_bad_length", false,                                           \
      "an indirect table of length 0 or not a multiple of 16 bytes")                              \
    X(kIndirectTooLong, "indirect_too_long", false,                                               \
      "an indirect table with more entries than the ring (or kMaxIndirectDescs)")                 \
    X(kUnmapped, "unmapped", false,                                                               \
      "a buffer or indirect table not wholly inside guest memory, or wrapping the address space") \
    X(kEmpty, "empty_chain", false, "a chain of zero bytes")                                      \
    X(kTooLong, "chain_too_long", false, "a chain longer than kMaxChainBytes")                    \
    X(kTooManySegments, "too_many_segments", false,                                               \
      "a chain in more than kMaxSegments pieces (descriptors split at region boundaries)")

enum class ChainError : uint8_t {
#define VSW_X(e, name, fatal, desc) e,
    VSW_CHAIN_ERRORS(VSW_X)
#undef VSW_X
};

inline constexpr std::size_t kChainErrorCount = 0
#define VSW_X(e, name, fatal, desc) +1
    VSW_CHAIN_ERRORS(VSW_X)
#undef VSW_X
    ;

// Counter name of an error ("chain_loop").
std::string_view chain_error_name(ChainError e);
// Human description of an error.
std::string_view chain_error_description(ChainError e);
// Whether the ring is broken (see the list above).
bool chain_error_breaks_ring(ChainError e);

// ---- Taking and walking ---------------------------------------------------------------------

// The longest chain accepted, virtio-net header included: 65535 bytes (the largest IP datagram,
// and about Linux's GSO_MAX_SIZE, the most a virtio-net guest hands over with TSO), the 12-byte
// header, and 256 bytes of slack for what lies outside the IP length (Ethernet header, VLAN tag,
// IPv6's fixed header). Nothing longer is a frame a virtio-net guest sends.
inline constexpr uint32_t kMaxChainBytes = 65535 + sizeof(NetHeader) + 256;
// Pieces of one chain, after splitting at region boundaries (Linux sends at most
// MAX_SKB_FRAGS + 2 = 19 descriptors).
inline constexpr unsigned kMaxSegments = 64;
// Entries of an indirect table vsw copies at most (QEMU's largest virtio-net ring is 1024): a
// guest can make vsw copy 16 KiB per frame, no more than a frame of that size costs anyway.
inline constexpr uint32_t kMaxIndirectDescs = 1024;

// Where an indirect table is copied before it is walked: the caller's, one per PMD is enough
// (16 KiB; walks do not overlap).
struct IndirectScratch {
    Desc desc[kMaxIndirectDescs];  // the copy; only the table's entries are written
};

// One frame to send, as host pieces of guest memory in order.
struct TxChain {
    uint16_t head;               // the head descriptor: what the used entry gives back
    uint16_t count;              // pieces in segs[]
    uint32_t len;                // bytes in all pieces (virtio-net header included)
    Segment segs[kMaxSegments];  // the pieces; the bytes still belong to the guest
};

// What take_avail() took.
struct Taken {
    uint32_t count;    // heads written to the caller's array, in avail order
    ChainError error;  // kNone, or kAvailIdxJump / kHeadOutOfRange: the ring is broken
};

// Takes up to heads.size() heads the guest made available, in order, from one snapshot of
// avail->idx, and advances ring.last_avail past them. Each entry is read once and checked
// against the table; at a bad one it stops (the heads before it are taken and must be given
// back). The caller keys whatever it keeps by position in `heads` (its burst slot), never by head
// id: a guest may post one head twice.
Taken take_avail(SplitRing& ring, std::span<uint16_t> heads);

// Walks the chain at `head` (spec 2.7.5: a direct chain, an indirect table, or a direct chain
// ending in an indirect table) into `out`: pieces split at region boundaries, total length, the
// head. kNone, or the first reason to refuse it (out.head is set either way). Zero-length
// descriptors are allowed and count as hops. Indirect tables are taken whether or not
// VIRTIO_RING_F_INDIRECT_DESC was negotiated (vsw offers it), and WRITE on the descriptor that
// points to one is ignored, as the spec asks of devices.
ChainError walk_chain(const SplitRing& ring, const GuestMemory& mem, uint16_t head,
                      IndirectScratch& scratch, TxChain& out);

// A hint, before the walk: starts loading the first buffer of the chain at `head` (the frame's
// first bytes, usually all of a small frame), so that the loads of a burst's frames overlap. It
// decides nothing: what it reads is read again by walk_chain.
void prefetch_chain(const SplitRing& ring, const GuestMemory& mem, uint16_t head);

// Copies `len` bytes of the chain, from byte `offset` on, into `dst` (host memory). False, with
// nothing copied, when that range is not wholly inside the chain. The copy is a snapshot: decide
// on it, not on the chain's pieces.
bool copy_out(const TxChain& chain, uint32_t offset, void* dst, uint32_t len);

// The chain's first 12 bytes as a virtio-net header (VERSION_1 layout), copied. False when the
// chain is shorter.
bool read_net_header(const TxChain& chain, NetHeader& out);

// ---- Giving back ----------------------------------------------------------------------------

// The byte ranges of the used ring complete() wrote, for dirty logging during live migration
// (rte_vhost_log_used_vring(vid, queue, offset, len) each): the entries, in one range or two
// when they wrap around the ring's end, then used->idx.
struct UsedWrites {
    struct Range {
        uint32_t offset;  // from the start of the used ring
        uint32_t len;     // bytes
    };
    Range ranges[3];  // the first `count` are set
    uint32_t count;   // 0 when nothing was written
};

// Gives `heads` back in order as used entries {head, len 0} (TX: the device wrote nothing) from
// ring.last_used on, then publishes them with a release store of used->idx, and advances
// ring.last_used. At most ring.size heads.
UsedWrites complete(SplitRing& ring, std::span<const uint16_t> heads);

// ---- Notifications (spec 2.7.7, 2.7.10) -----------------------------------------------------

// With EVENT_IDX: whether moving used->idx from old_idx to new_idx passed the driver's
// event_idx (vring_need_event of the spec).
constexpr bool need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx) {
    return static_cast<uint16_t>(new_idx - event_idx - 1) <
           static_cast<uint16_t>(new_idx - old_idx);
}

// used_event (avail->ring[size]), read once. Behind a full fence: the used->idx just published
// is visible before the driver's event index is read (the driver does the mirror image).
uint16_t read_used_event(const SplitRing& ring);

// Whether the guest asked for an interrupt for the entries from old_used to ring.last_used:
// with EVENT_IDX by used_event, else by avail->flags (no kAvailNoInterrupt). Reads the guest's
// field once, behind a full fence.
bool should_notify(const SplitRing& ring, bool event_idx, uint16_t old_used);

}  // namespace vsw::virtio
