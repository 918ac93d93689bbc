// libFuzzer target: a guest's TX split ring as the device walks it (virtio/split_ring.h). The
// input is the guest's memory, everything a hostile guest controls: the descriptor table, the
// avail ring, indirect tables and buffers, plus a few bytes choosing the ring size, where the
// second region lies and where the device's indices start. The target takes every head, walks
// every chain, copies every accepted frame out and gives the heads back, checking that nothing
// it produced points outside guest memory.
//
//   byte 0     ring size: 1 + b % 64 (not always a power of two)
//   byte 1     bits 0-1: region B right after A, after a hole, absent, or at the top of the
//              64-bit address space; bits 2-4: burst size - 1; bit 5: EVENT_IDX
//   bytes 2-3  last_avail = last_used (little-endian)
//   the rest   region A's bytes, then region B's (zero beyond the input)
//
// Region A (2 KiB at guest address 0x1000): descriptor table at +0, avail ring at +0x400, used
// ring at +0x490, free for buffers and indirect tables from +0x6a0. Region B: 2 KiB.
// (64 entries are enough for every limit: 64 hops, each across A and B, make 128 pieces.)
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "virtio/split_ring.h"

using namespace vsw::virtio;

namespace {

constexpr uint64_t kRegionBytes = 2048;
constexpr uint64_t kAvail = 0x400, kUsed = 0x490, kFree = 0x6a0;
constexpr uint64_t kA = 0x1000;

struct alignas(64) Region {
    uint8_t b[kRegionBytes];
};

uint64_t region_b_gpa(uint8_t layout) {
    switch (layout & 3) {
        case 0: return kA + kRegionBytes;           // adjacent: buffers may cross
        case 1: return kA + 4 * kRegionBytes;       // a hole in between
        default: return UINT64_MAX - kRegionBytes;  // top of the address space
    }
}

bool inside(const Segment& s, const Region& r) {
    const auto p = reinterpret_cast<uintptr_t>(s.host), base = reinterpret_cast<uintptr_t>(r.b);
    return p >= base && s.len <= kRegionBytes && p - base <= kRegionBytes - s.len;
}

void check_chain(const TxChain& c, const Region& a, const Region* b) {
    if (c.count == 0 || c.count > kMaxSegments) __builtin_trap();
    if (c.len == 0 || c.len > kMaxChainBytes) __builtin_trap();
    uint64_t sum = 0;
    for (unsigned i = 0; i < c.count; ++i) {
        const Segment& s = c.segs[i];
        if (s.len == 0) __builtin_trap();
        if (!inside(s, a) && !(b && inside(s, *b))) __builtin_trap();
        sum += s.len;
    }
    if (sum != c.len) __builtin_trap();
    static uint8_t frame[kMaxChainBytes];
    if (!copy_out(c, 0, frame, c.len)) __builtin_trap();
    if (copy_out(c, 1, frame, c.len)) __builtin_trap();
    NetHeader h;
    if (read_net_header(c, h) != (c.len >= sizeof h)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 4) return 0;
    const uint32_t ring_size = 1 + data[0] % 64;
    const uint8_t layout = data[1];
    const uint32_t burst = 1 + ((layout >> 2) & 7);
    const bool event_idx = layout & 0x20;
    uint16_t start;
    memcpy(&start, data + 2, 2);
    data += 4;
    size -= 4;

    auto a = std::make_unique<Region>();
    auto b = (layout & 3) == 2 ? nullptr : std::make_unique<Region>();
    const size_t in_a = size < kRegionBytes ? size : kRegionBytes;
    memcpy(a->b, data, in_a);
    if (b) memcpy(b->b, data + in_a, size - in_a < kRegionBytes ? size - in_a : kRegionBytes);

    GuestMemory mem;
    if (!mem.add({kA, kRegionBytes, a->b})) __builtin_trap();
    if (b && !mem.add({region_b_gpa(layout), kRegionBytes, b->b})) __builtin_trap();

    SplitRing ring{reinterpret_cast<const Desc*>(a->b),
                   reinterpret_cast<const AvailHeader*>(a->b + kAvail),
                   reinterpret_cast<UsedHeader*>(a->b + kUsed),
                   ring_size,
                   start,
                   start};
    if (!ring_layout_ok(ring)) __builtin_trap();
    if (desc_table_bytes(ring_size) > kAvail || kAvail + avail_ring_bytes(ring_size) > kUsed ||
        kUsed + used_ring_bytes(ring_size) > kFree)
        __builtin_trap();

    static IndirectScratch scratch;
    static TxChain chain;
    for (int round = 0; round < 4; ++round) {
        uint16_t heads[8];
        const Taken t = take_avail(ring, std::span<uint16_t>(heads, burst));
        if (t.count > burst || (t.error != ChainError::kNone && !chain_error_breaks_ring(t.error)))
            __builtin_trap();
        for (uint32_t slot = 0; slot < t.count; ++slot) {
            if (heads[slot] >= ring_size) __builtin_trap();
            const ChainError e = walk_chain(ring, mem, heads[slot], scratch, chain);
            if (chain.head != heads[slot] || chain_error_breaks_ring(e)) __builtin_trap();
            if (e == ChainError::kNone) check_chain(chain, *a, b.get());
        }
        const uint16_t old_used = ring.last_used;
        const UsedWrites w = complete(ring, std::span<const uint16_t>(heads, t.count));
        if (ring.last_used != uint16_t(old_used + t.count) || ring.last_used != ring.last_avail)
            __builtin_trap();
        for (uint32_t i = 0; i < w.count; ++i)
            if (w.ranges[i].offset + uint64_t{w.ranges[i].len} > used_ring_bytes(ring_size))
                __builtin_trap();
        if (t.count > 0) (void)should_notify(ring, event_idx, old_used);
        if (t.count == 0 || t.error != ChainError::kNone) break;
    }
    return 0;
}
