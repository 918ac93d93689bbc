#include "virtio/split_ring.h"

#include <array>
#include <cassert>
#include <cstring>

namespace vsw::virtio {
namespace {

struct ErrorText {
    std::string_view name;         // counter name
    std::string_view description;  // what it means
    bool breaks_ring;              // no head can be given back
};

constexpr std::array<ErrorText, kChainErrorCount> kErrors = {{
#define VSW_X(e, name, fatal, desc) {name, desc, fatal},
    VSW_CHAIN_ERRORS(VSW_X)
#undef VSW_X
}};

// Guest fields are read with single atomic loads: the compiler may neither read them twice nor
// split them, so a value checked is the value used. Relaxed: ordering comes from the acquire
// load of avail->idx (take_avail) that every later read depends on.
uint16_t load16(const uint16_t* p) {
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

const uint16_t* avail_ring(const SplitRing& r) {
    return reinterpret_cast<const uint16_t*>(r.avail + 1);
}

UsedElem* used_ring(const SplitRing& r) {
    return reinterpret_cast<UsedElem*>(r.used + 1);
}

// Descriptor i of the ring's table, read once (two 8-byte loads; the table is 16-byte aligned).
Desc load_desc(const Desc* table, uint32_t i) {
    const auto* w = reinterpret_cast<const uint64_t*>(table + i);
    const uint64_t addr = __atomic_load_n(w, __ATOMIC_RELAXED);
    const uint64_t rest = __atomic_load_n(w + 1, __ATOMIC_RELAXED);
    return {addr, static_cast<uint32_t>(rest), static_cast<uint16_t>(rest >> 32),
            static_cast<uint16_t>(rest >> 48)};
}

// Copies the guest range [gpa, gpa + len) into dst, across regions. False when part of it is
// not mapped.
bool copy_from_guest(const GuestMemory& mem, uint64_t gpa, uint64_t len, void* dst) {
    auto* out = static_cast<uint8_t*>(dst);
    while (len > 0) {
        const GuestMemory::Piece p = mem.piece(gpa, len);
        if (p.len == 0) return false;
        memcpy(out, p.host, p.len);
        out += p.len;
        gpa += p.len;
        len -= p.len;
    }
    return true;
}

// Appends the guest range [gpa, gpa + len) to the chain as pieces split at region boundaries.
ChainError append_range(const GuestMemory& mem, uint64_t gpa, uint32_t len, TxChain& out) {
    while (len > 0) {
        const GuestMemory::Piece p = mem.piece(gpa, len);
        if (p.len == 0) return ChainError::kUnmapped;
        if (out.count == kMaxSegments) return ChainError::kTooManySegments;
        out.segs[out.count++] = {p.host, static_cast<uint32_t>(p.len)};
        gpa += p.len;
        len -= static_cast<uint32_t>(p.len);
    }
    return ChainError::kNone;
}

// Adds one (non-indirect) descriptor's buffer to the chain; `total` counts bytes in 64 bits.
ChainError add_buffer(const GuestMemory& mem, const Desc& d, uint64_t& total, TxChain& out) {
    if (d.flags & kDescWrite) return ChainError::kWritable;
    if (d.len == 0) return ChainError::kNone;
    total += d.len;
    if (total > kMaxChainBytes) return ChainError::kTooLong;
    return append_range(mem, d.addr, d.len, out);
}

// Walks the copied indirect table the descriptor `ind` points to, from its entry 0.
ChainError walk_indirect(const SplitRing& ring, const GuestMemory& mem, const Desc& ind,
                         IndirectScratch& scratch, uint64_t& total, TxChain& out) {
    if (ind.flags & kDescNext) return ChainError::kIndirectWithNext;
    if (ind.len == 0 || ind.len % sizeof(Desc) != 0) return ChainError::kIndirectBadLength;
    const uint32_t n = ind.len / sizeof(Desc);
    if (n > ring.size || n > kMaxIndirectDescs) return ChainError::kIndirectTooLong;
    if (!copy_from_guest(mem, ind.addr, ind.len, scratch.desc)) return ChainError::kUnmapped;
    uint32_t i = 0;
    for (uint32_t hops = 1;; ++hops) {
        const Desc& d = scratch.desc[i];  // vsw's copy: safe to read again
        if (d.flags & kDescIndirect) return ChainError::kNestedIndirect;
        if (ChainError e = add_buffer(mem, d, total, out); e != ChainError::kNone) return e;
        if (!(d.flags & kDescNext)) return ChainError::kNone;
        if (d.next >= n) return ChainError::kNextOutOfRange;
        if (hops == n) return ChainError::kTooManyHops;
        i = d.next;
    }
}

// Walks the ring's table from `head`; a descriptor with INDIRECT ends the direct part.
ChainError walk_direct(const SplitRing& ring, const GuestMemory& mem, uint16_t head,
                       IndirectScratch& scratch, uint64_t& total, TxChain& out) {
    uint32_t i = head;
    for (uint32_t hops = 1;; ++hops) {
        const Desc d = load_desc(ring.desc, i);  // the one read of this descriptor
        if (d.flags & kDescIndirect) return walk_indirect(ring, mem, d, scratch, total, out);
        if (ChainError e = add_buffer(mem, d, total, out); e != ChainError::kNone) return e;
        if (!(d.flags & kDescNext)) return ChainError::kNone;
        if (d.next >= ring.size) return ChainError::kNextOutOfRange;
        if (hops == ring.size) return ChainError::kTooManyHops;
        i = d.next;
    }
}

}  // namespace

// ---- Guest memory ---------------------------------------------------------------------------

bool GuestMemory::add(const MemoryRegion& r) {
    if (count == kMaxRegions || r.size == 0 || r.host_addr == nullptr) return false;
    if (r.size > UINT64_MAX - r.guest_phys) return false;  // end would wrap
    regions[count++] = r;
    return true;
}

GuestMemory::Piece GuestMemory::piece(uint64_t gpa, uint64_t len) const {
    if (len > UINT64_MAX - gpa) return {nullptr, 0};
    for (unsigned i = 0; i < count; ++i) {
        const MemoryRegion& r = regions[i];
        if (gpa < r.guest_phys || gpa - r.guest_phys >= r.size) continue;
        const uint64_t off = gpa - r.guest_phys;
        const uint64_t room = r.size - off;
        return {r.host_addr + off, len < room ? len : room};
    }
    return {nullptr, 0};
}

uint8_t* GuestMemory::translate(uint64_t gpa, uint64_t len) const {
    const Piece p = piece(gpa, len);
    return p.len == len ? p.host : nullptr;
}

// ---- Ring -----------------------------------------------------------------------------------

bool ring_layout_ok(const SplitRing& ring) {
    const auto aligned = [](const void* p, uintptr_t a) {
        return p != nullptr && reinterpret_cast<uintptr_t>(p) % a == 0;
    };
    return ring.size >= 1 && ring.size <= kMaxQueueSize && aligned(ring.desc, 16) &&
           aligned(ring.avail, 2) && aligned(ring.used, 4);
}

std::string_view chain_error_name(ChainError e) {
    return kErrors[static_cast<unsigned>(e)].name;
}

std::string_view chain_error_description(ChainError e) {
    return kErrors[static_cast<unsigned>(e)].description;
}

bool chain_error_breaks_ring(ChainError e) {
    return kErrors[static_cast<unsigned>(e)].breaks_ring;
}

Taken take_avail(SplitRing& ring, std::span<uint16_t> heads) {
    // The one read of avail->idx; acquire: the entries and descriptors it publishes are read after.
    const uint16_t avail_idx = __atomic_load_n(&ring.avail->idx, __ATOMIC_ACQUIRE);
    const uint16_t ready = static_cast<uint16_t>(avail_idx - ring.last_avail);
    if (ready > ring.size) return {0, ChainError::kAvailIdxJump};
    const uint32_t want = ready < heads.size() ? ready : static_cast<uint32_t>(heads.size());
    const uint16_t* entries = avail_ring(ring);
    uint16_t cursor = ring.last_avail;
    Taken t{0, ChainError::kNone};
    for (; t.count < want; ++t.count, ++cursor) {
        const uint16_t head = load16(&entries[cursor % ring.size]);  // the one read of the entry
        if (head >= ring.size) {
            t.error = ChainError::kHeadOutOfRange;
            break;
        }
        heads[t.count] = head;
    }
    ring.last_avail = cursor;
    return t;
}

ChainError walk_chain(const SplitRing& ring, const GuestMemory& mem, uint16_t head,
                      IndirectScratch& scratch, TxChain& out) {
    out.head = head;
    out.count = 0;
    out.len = 0;
    if (head >= ring.size) return ChainError::kHeadOutOfRange;
    uint64_t total = 0;
    if (ChainError e = walk_direct(ring, mem, head, scratch, total, out); e != ChainError::kNone)
        return e;
    if (total == 0) return ChainError::kEmpty;
    out.len = static_cast<uint32_t>(total);  // at most kMaxChainBytes
    return ChainError::kNone;
}

void prefetch_chain(const SplitRing& ring, const GuestMemory& mem, uint16_t head) {
    if (head >= ring.size) return;
    const Desc d = load_desc(ring.desc, head);
    if (d.flags & kDescIndirect) return;
    if (const uint8_t* p = mem.translate(d.addr, d.len < 128 ? d.len : 128)) {
        __builtin_prefetch(p);
        __builtin_prefetch(p + 64);
    }
}

bool copy_out(const TxChain& chain, uint32_t offset, void* dst, uint32_t len) {
    if (uint64_t{offset} + len > chain.len) return false;
    auto* out = static_cast<uint8_t*>(dst);
    for (unsigned i = 0; i < chain.count && len > 0; ++i) {
        const Segment& s = chain.segs[i];
        if (offset >= s.len) {
            offset -= s.len;
            continue;
        }
        const uint32_t n = s.len - offset < len ? s.len - offset : len;
        memcpy(out, s.host + offset, n);
        out += n;
        len -= n;
        offset = 0;
    }
    return true;
}

bool read_net_header(const TxChain& chain, NetHeader& out) {
    return copy_out(chain, 0, &out, sizeof out);
}

UsedWrites complete(SplitRing& ring, std::span<const uint16_t> heads) {
    assert(heads.size() <= ring.size);
    UsedWrites w{};
    if (heads.empty()) return w;
    UsedElem* elems = used_ring(ring);
    const uint32_t first = ring.last_used % ring.size;
    uint16_t idx = ring.last_used;
    for (const uint16_t head : heads) {
        UsedElem* e = &elems[idx++ % ring.size];
        __atomic_store_n(&e->id, uint32_t{head}, __ATOMIC_RELAXED);
        __atomic_store_n(&e->len, uint32_t{0}, __ATOMIC_RELAXED);
    }
    // Release: the entries are visible before the index that publishes them.
    __atomic_store_n(&ring.used->idx, idx, __ATOMIC_RELEASE);
    ring.last_used = idx;

    const auto n = static_cast<uint32_t>(heads.size());
    const uint32_t to_end = ring.size - first < n ? ring.size - first : n;
    w.ranges[w.count++] = {used_elem_offset(first), 8 * to_end};
    if (to_end < n) w.ranges[w.count++] = {used_elem_offset(0), 8 * (n - to_end)};
    w.ranges[w.count++] = {kUsedIdxOffset, sizeof(uint16_t)};
    return w;
}

uint16_t read_used_event(const SplitRing& ring) {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return load16(&avail_ring(ring)[ring.size]);
}

bool should_notify(const SplitRing& ring, bool event_idx, uint16_t old_used) {
    if (event_idx) return need_event(read_used_event(ring), ring.last_used, old_used);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return !(load16(&ring.avail->flags) & kAvailNoInterrupt);
}

}  // namespace vsw::virtio
