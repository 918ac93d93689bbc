#include "virtio/split_ring.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace vsw::virtio;

namespace {

// A guest's memory as three separately allocated regions: A and B adjacent in guest physical
// space (a buffer may cross from one into the other), then a hole, then C.
//   A  0x10000-0x1ffff   rings: desc table +0, avail +0x1000, used +0x2000; buffers from +0x4000
//   B  0x20000-0x2ffff   buffers
//   -  0x30000-0x3ffff   not mapped
//   C  0x40000-0x5ffff   buffers (large enough for the longest chain)
constexpr uint64_t kA = 0x10000, kB = 0x20000, kHole = 0x30000, kC = 0x40000;
constexpr uint64_t kDescGpa = kA, kAvailGpa = kA + 0x1000, kUsedGpa = kA + 0x2000;
constexpr uint64_t kBuf = kA + 0x4000;    // data buffers
constexpr uint64_t kTable = kA + 0x8000;  // indirect tables

template <size_t N>
struct alignas(4096) Bytes {
    uint8_t b[N];
};

struct FakeGuest {
    std::unique_ptr<Bytes<0x10000>> a = std::make_unique<Bytes<0x10000>>();
    std::unique_ptr<Bytes<0x10000>> b = std::make_unique<Bytes<0x10000>>();
    std::unique_ptr<Bytes<0x20000>> c = std::make_unique<Bytes<0x20000>>();
    GuestMemory mem;
    SplitRing ring{};
    uint16_t avail_idx = 0;  // the driver's next avail index
    IndirectScratch scratch;
    TxChain chain;

    explicit FakeGuest(uint32_t size = 8, uint16_t start_idx = 0) {
        REQUIRE(mem.add({kA, sizeof *a, a->b}));
        REQUIRE(mem.add({kB, sizeof *b, b->b}));
        REQUIRE(mem.add({kC, sizeof *c, c->b}));
        ring.desc = reinterpret_cast<const Desc*>(host(kDescGpa));
        ring.avail = reinterpret_cast<const AvailHeader*>(host(kAvailGpa));
        ring.used = reinterpret_cast<UsedHeader*>(host(kUsedGpa));
        ring.size = size;
        ring.last_avail = ring.last_used = avail_idx = start_idx;
        set_avail_idx(start_idx);
        REQUIRE(ring_layout_ok(ring));
    }

    uint8_t* host(uint64_t gpa) {
        uint8_t* p = mem.translate(gpa, 1);
        REQUIRE(p != nullptr);
        return p;
    }
    // Descriptor i of the table at `table_gpa` (the ring's by default).
    void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags = 0, uint16_t next = 0,
              uint64_t table_gpa = kDescGpa) {
        const Desc d{addr, len, flags, next};
        memcpy(host(table_gpa + 16 * uint64_t{i}), &d, sizeof d);
    }
    void set_avail_idx(uint16_t idx) { memcpy(host(kAvailGpa + 2), &idx, 2); }
    // The driver makes `head` available.
    void post(uint16_t head) {
        memcpy(host(kAvailGpa + 4 + 2 * uint64_t(avail_idx % ring.size)), &head, 2);
        set_avail_idx(++avail_idx);
    }
    // Writes bytes at gpa, across regions if need be.
    void fill(uint64_t gpa, const std::string& s) {
        for (size_t i = 0; i < s.size(); ++i) *host(gpa + i) = static_cast<uint8_t>(s[i]);
    }
    ChainError walk(uint16_t head) { return walk_chain(ring, mem, head, scratch, chain); }
    std::string bytes() {
        std::string s(chain.len, '\0');
        REQUIRE(copy_out(chain, 0, s.data(), chain.len));
        return s;
    }
    UsedElem used_elem(uint32_t slot) {
        UsedElem e;
        memcpy(&e, host(kUsedGpa + used_elem_offset(slot)), sizeof e);
        return e;
    }
    uint16_t used_idx() {
        uint16_t v;
        memcpy(&v, host(kUsedGpa + kUsedIdxOffset), 2);
        return v;
    }
};

std::string pattern(size_t n, char first) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(first + i % 26);
    return s;
}

}  // namespace

TEST_CASE("guest memory: ranges translate only when wholly inside one region") {
    FakeGuest g;
    CHECK(g.mem.translate(kA, 0x10000) == g.a->b);
    CHECK(g.mem.translate(kB + 5, 10) == g.b->b + 5);
    CHECK(g.mem.translate(kB - 1, 2) == nullptr);  // crosses A into B: two pieces
    CHECK(g.mem.translate(kHole, 1) == nullptr);
    CHECK(g.mem.translate(kC + 0x1ffff, 1) == g.c->b + 0x1ffff);
    CHECK(g.mem.translate(kC + 0x1ffff, 2) == nullptr);
    CHECK(g.mem.translate(UINT64_MAX, 2) == nullptr);  // wraps
    const GuestMemory::Piece p = g.mem.piece(kB - 3, 10);
    CHECK(p.host == g.a->b + 0xfffd);
    CHECK(p.len == 3);
    CHECK(g.mem.piece(kHole - 1, 10).len == 1);
    CHECK(g.mem.piece(kHole, 10).host == nullptr);
}

TEST_CASE("guest memory: regions that are empty, unmapped, wrapping or too many are refused") {
    GuestMemory m;
    uint8_t byte = 0;
    CHECK_FALSE(m.add({0x1000, 0, &byte}));
    CHECK_FALSE(m.add({0x1000, 1, nullptr}));
    CHECK_FALSE(m.add({UINT64_MAX - 10, 12, &byte}));
    CHECK(m.add({UINT64_MAX - 10, 10, &byte}));
    for (unsigned i = 1; i < GuestMemory::kMaxRegions; ++i) CHECK(m.add({i * 0x1000ull, 1, &byte}));
    CHECK_FALSE(m.add({0x100000, 1, &byte}));
    CHECK(m.count == GuestMemory::kMaxRegions);
}

TEST_CASE("ring layout: sizes and alignment are checked") {
    FakeGuest g;
    SplitRing r = g.ring;
    CHECK(ring_layout_ok(r));
    r.size = 0;
    CHECK_FALSE(ring_layout_ok(r));
    r.size = kMaxQueueSize + 1;
    CHECK_FALSE(ring_layout_ok(r));
    r.size = 7;  // not a power of two: allowed
    CHECK(ring_layout_ok(r));
    r.desc = reinterpret_cast<const Desc*>(g.host(kDescGpa + 8));
    CHECK_FALSE(ring_layout_ok(r));
    r = g.ring;
    r.used = reinterpret_cast<UsedHeader*>(g.host(kUsedGpa + 2));
    CHECK_FALSE(ring_layout_ok(r));
    r = g.ring;
    r.avail = reinterpret_cast<const AvailHeader*>(g.host(kAvailGpa + 1));
    CHECK_FALSE(ring_layout_ok(r));
    CHECK(desc_table_bytes(256) == 4096);
    CHECK(avail_ring_bytes(256) == 518);
    CHECK(used_ring_bytes(256) == 2054);
}

TEST_CASE("chain errors: one name each, and only the ring-level ones break the ring") {
    std::set<std::string_view> names;
    for (unsigned i = 0; i < kChainErrorCount; ++i) {
        const auto e = static_cast<ChainError>(i);
        names.insert(chain_error_name(e));
        CHECK_FALSE(chain_error_description(e).empty());
        const bool ring_level = e == ChainError::kAvailIdxJump || e == ChainError::kHeadOutOfRange;
        CHECK(chain_error_breaks_ring(e) == ring_level);
    }
    CHECK(names.size() == kChainErrorCount);
    CHECK(chain_error_name(ChainError::kTooManyHops) == "chain_loop");
}

TEST_CASE("a plain chain: one descriptor, one piece") {
    FakeGuest g;
    g.fill(kBuf, pattern(72, 'a'));
    g.desc(3, kBuf, 72);
    REQUIRE(g.walk(3) == ChainError::kNone);
    CHECK(g.chain.head == 3);
    CHECK(g.chain.len == 72);
    REQUIRE(g.chain.count == 1);
    CHECK(g.chain.segs[0].host == g.host(kBuf));
    CHECK(g.chain.segs[0].len == 72);
    CHECK(g.bytes() == pattern(72, 'a'));
}

TEST_CASE("a chain of descriptors in any order, zero-length ones skipped") {
    FakeGuest g;
    g.fill(kBuf, "HEADER");
    g.fill(kBuf + 0x100, "ether");
    g.fill(kBuf + 0x200, "payload");
    g.desc(0, kBuf, 6, kDescNext, 5);
    g.desc(5, kBuf + 0x100, 5, kDescNext, 1);
    g.desc(1, kBuf + 0x300, 0, kDescNext, 7);  // zero length: a hop, no piece
    g.desc(7, kBuf + 0x200, 7);
    REQUIRE(g.walk(0) == ChainError::kNone);
    CHECK(g.chain.count == 3);
    CHECK(g.chain.len == 18);
    CHECK(g.bytes() == "HEADERetherpayload");
}

TEST_CASE("a chain may use every descriptor of the table once") {
    FakeGuest g;
    for (uint16_t i = 0; i < 8; ++i) g.desc(i, kBuf + i, 1, i < 7 ? kDescNext : 0, i + 1);
    REQUIRE(g.walk(0) == ChainError::kNone);
    CHECK(g.chain.len == 8);
}

TEST_CASE("an indirect table is copied, then walked from its entry 0") {
    FakeGuest g;
    g.fill(kBuf, "hdr");
    g.fill(kBuf + 0x100, "frame");
    g.desc(0, kBuf, 3, kDescNext, 2, kTable);
    g.desc(1, kHole, 99, kDescWrite, 0, kTable);  // not in the chain: never looked at
    g.desc(2, kBuf + 0x100, 5, 0, 0, kTable);
    g.desc(4, kTable, 3 * 16, kDescIndirect);
    REQUIRE(g.walk(4) == ChainError::kNone);
    CHECK(g.chain.head == 4);
    CHECK(g.bytes() == "hdrframe");
    // The walk read vsw's copy of the table.
    CHECK(g.scratch.desc[2].addr == kBuf + 0x100);
}

TEST_CASE("a direct chain may end in an indirect table (spec 2.7.5.3.2)") {
    FakeGuest g;
    g.fill(kBuf, "direct,");
    g.fill(kBuf + 0x100, "indirect");
    g.desc(2, kBuf, 7, kDescNext, 6);
    g.desc(6, kTable, 16, kDescIndirect | kDescWrite);  // WRITE on a table pointer is ignored
    g.desc(0, kBuf + 0x100, 8, 0, 0, kTable);
    REQUIRE(g.walk(2) == ChainError::kNone);
    CHECK(g.bytes() == "direct,indirect");
}

TEST_CASE("a buffer crossing two regions comes out in two pieces") {
    FakeGuest g;
    g.fill(kB - 10, pattern(30, 'k'));
    g.desc(0, kB - 10, 30);
    REQUIRE(g.walk(0) == ChainError::kNone);
    REQUIRE(g.chain.count == 2);
    CHECK(g.chain.segs[0].host == g.a->b + 0x10000 - 10);
    CHECK(g.chain.segs[0].len == 10);
    CHECK(g.chain.segs[1].host == g.b->b);
    CHECK(g.chain.segs[1].len == 20);
    CHECK(g.bytes() == pattern(30, 'k'));
}

TEST_CASE("an indirect table crossing two regions is copied whole") {
    FakeGuest g;
    g.fill(kBuf, "abc");
    g.fill(kBuf + 0x10, "def");
    const uint64_t table = kB - 24;  // entry 1 is split 8 + 8 across A and B
    g.desc(0, kBuf, 3, kDescNext, 1, table);
    const Desc second{kBuf + 0x10, 3, 0, 0};
    memcpy(g.host(kB - 8), &second, 8);
    memcpy(g.host(kB), reinterpret_cast<const uint8_t*>(&second) + 8, 8);
    g.desc(0, table, 32, kDescIndirect);
    REQUIRE(g.walk(0) == ChainError::kNone);
    CHECK(g.bytes() == "abcdef");
}

TEST_CASE("the longest chain accepted, and one byte more") {
    FakeGuest g;
    g.desc(0, kC, kMaxChainBytes);
    REQUIRE(g.walk(0) == ChainError::kNone);
    CHECK(g.chain.len == kMaxChainBytes);
    g.desc(0, kC, kMaxChainBytes - 1, kDescNext, 1);
    g.desc(1, kC, 2);
    CHECK(g.walk(0) == ChainError::kTooLong);
    // Lengths add up in 64 bits: two near-4 GiB descriptors do not wrap to a small total.
    g.desc(0, kC, 0xffffffff, kDescNext, 1);
    g.desc(1, kC, 0xffffffff);
    CHECK(g.walk(0) == ChainError::kTooLong);
}

TEST_CASE("every chain error, each for its reason") {
    FakeGuest g;
    SECTION("head out of range") {
        CHECK(g.walk(8) == ChainError::kHeadOutOfRange);
    }
    SECTION("next out of range, in the ring's table and in an indirect one") {
        g.desc(0, kBuf, 10, kDescNext, 8);
        CHECK(g.walk(0) == ChainError::kNextOutOfRange);
        g.desc(0, kBuf, 10, kDescNext, 2, kTable);  // a table of 2 entries names entry 2
        g.desc(1, kTable, 32, kDescIndirect);
        CHECK(g.walk(1) == ChainError::kNextOutOfRange);
    }
    SECTION("a loop, also of zero-length descriptors, and in an indirect table") {
        g.desc(0, kBuf, 10, kDescNext, 1);
        g.desc(1, kBuf, 10, kDescNext, 0);
        CHECK(g.walk(0) == ChainError::kTooManyHops);
        g.desc(0, kBuf, 0, kDescNext, 0);  // a zero-length descriptor pointing at itself
        CHECK(g.walk(0) == ChainError::kTooManyHops);
        g.desc(0, kBuf, 0, kDescNext, 1, kTable);
        g.desc(1, kBuf, 1, kDescNext, 0, kTable);
        g.desc(2, kTable, 32, kDescIndirect);
        CHECK(g.walk(2) == ChainError::kTooManyHops);
    }
    SECTION("a writable descriptor, directly or in an indirect table") {
        g.desc(0, kBuf, 10, kDescNext, 1);
        g.desc(1, kBuf, 10, kDescWrite);
        CHECK(g.walk(0) == ChainError::kWritable);
        g.desc(0, kBuf, 10, kDescWrite, 0, kTable);
        g.desc(2, kTable, 16, kDescIndirect);
        CHECK(g.walk(2) == ChainError::kWritable);
    }
    SECTION("indirect with next") {
        g.desc(0, kTable, 16, kDescIndirect | kDescNext, 1);
        g.desc(0, kBuf, 10, 0, 0, kTable);
        CHECK(g.walk(0) == ChainError::kIndirectWithNext);
    }
    SECTION("nested indirect") {
        g.desc(0, kBuf, 10, kDescNext, 1, kTable);
        g.desc(1, kTable, 16, kDescIndirect, 0, kTable);
        g.desc(0, kTable, 32, kDescIndirect);
        CHECK(g.walk(0) == ChainError::kNestedIndirect);
    }
    SECTION("indirect table of length 0 or not a multiple of 16") {
        g.desc(0, kTable, 0, kDescIndirect);
        CHECK(g.walk(0) == ChainError::kIndirectBadLength);
        g.desc(0, kTable, 24, kDescIndirect);
        CHECK(g.walk(0) == ChainError::kIndirectBadLength);
    }
    SECTION("indirect table with more entries than the ring") {
        for (uint16_t i = 0; i < 9; ++i) g.desc(i, kBuf, 1, 0, 0, kTable);
        g.desc(0, kTable, 8 * 16, kDescIndirect);
        CHECK(g.walk(0) == ChainError::kNone);
        g.desc(0, kTable, 9 * 16, kDescIndirect);
        CHECK(g.walk(0) == ChainError::kIndirectTooLong);
    }
    SECTION("unmapped: in the hole, partly, wrapping, or an indirect table") {
        g.desc(0, kHole + 0x100, 10);
        CHECK(g.walk(0) == ChainError::kUnmapped);
        g.desc(0, kHole - 4, 10);  // the end of B, then the hole
        CHECK(g.walk(0) == ChainError::kUnmapped);
        g.desc(0, UINT64_MAX - 4, 10);
        CHECK(g.walk(0) == ChainError::kUnmapped);
        g.desc(0, kHole - 16, 32, kDescIndirect);
        CHECK(g.walk(0) == ChainError::kUnmapped);
    }
    SECTION("empty: no bytes at all") {
        g.desc(0, kBuf, 0, kDescNext, 1);
        g.desc(1, kHole, 0);  // a zero-length descriptor is never translated
        CHECK(g.walk(0) == ChainError::kEmpty);
        g.desc(0, kBuf, 0, 0, 0, kTable);
        g.desc(0, kTable, 16, kDescIndirect);
        CHECK(g.walk(0) == ChainError::kEmpty);
    }
    SECTION("too long") {
        g.desc(0, kC, kMaxChainBytes + 1);
        CHECK(g.walk(0) == ChainError::kTooLong);
    }
    SECTION("too many segments: descriptors, or pieces after splitting at a region boundary") {
        // 64 one-byte descriptors in an indirect table fit; 65 do not. (A ring of 128.)
        FakeGuest big(128);
        for (uint16_t i = 0; i < 65; ++i) big.desc(i, kBuf + i, 1, kDescNext, i + 1, kTable);
        big.desc(63, kBuf + 63, 1, 0, 0, kTable);
        big.desc(0, kTable, 64 * 16, kDescIndirect);
        CHECK(big.walk(0) == ChainError::kNone);
        CHECK(big.chain.count == kMaxSegments);
        big.desc(63, kBuf + 63, 1, kDescNext, 64, kTable);
        big.desc(64, kBuf + 64, 1, 0, 0, kTable);
        big.desc(0, kTable, 65 * 16, kDescIndirect);
        CHECK(big.walk(0) == ChainError::kTooManySegments);
        // 32 descriptors each crossing from A into B make 64 pieces; a 33rd is one too many.
        for (uint16_t i = 0; i < 33; ++i) big.desc(i, kB - 1, 2, kDescNext, i + 1);
        big.desc(31, kB - 1, 2);
        CHECK(big.walk(0) == ChainError::kNone);
        CHECK(big.chain.count == 64);
        big.desc(31, kB - 1, 2, kDescNext, 32);
        big.desc(32, kB - 1, 2);
        CHECK(big.walk(0) == ChainError::kTooManySegments);
    }
}

TEST_CASE("take_avail: heads in order, bounded by the caller's array and by avail->idx") {
    FakeGuest g(8, 65533);  // indices wrap past 65535 on the way
    for (uint16_t h : {5, 1, 7, 0}) g.post(h);
    uint16_t heads[3];
    Taken t = take_avail(g.ring, heads);
    CHECK(t.error == ChainError::kNone);
    REQUIRE(t.count == 3);
    CHECK(heads[0] == 5);
    CHECK(heads[1] == 1);
    CHECK(heads[2] == 7);
    CHECK(g.ring.last_avail == 0);  // 65533 + 3
    t = take_avail(g.ring, heads);
    REQUIRE(t.count == 1);
    CHECK(heads[0] == 0);
    t = take_avail(g.ring, heads);
    CHECK(t.count == 0);
    CHECK(t.error == ChainError::kNone);
}

TEST_CASE("take_avail: avail->idx more than the ring size ahead breaks the ring, takes nothing") {
    FakeGuest g;
    uint16_t heads[32];
    g.set_avail_idx(9);
    Taken t = take_avail(g.ring, heads);
    CHECK(t.count == 0);
    CHECK(t.error == ChainError::kAvailIdxJump);
    CHECK(g.ring.last_avail == 0);
    g.set_avail_idx(0xffff);  // "behind" last_avail is a jump of 65535
    CHECK(take_avail(g.ring, heads).error == ChainError::kAvailIdxJump);
    g.set_avail_idx(8);  // a full ring is fine
    t = take_avail(g.ring, heads);
    CHECK(t.error == ChainError::kNone);
    CHECK(t.count == 8);
}

TEST_CASE("take_avail: a head out of range stops the burst before it") {
    FakeGuest g;
    g.post(2);
    g.post(8);
    g.post(3);
    uint16_t heads[8];
    const Taken t = take_avail(g.ring, heads);
    CHECK(t.error == ChainError::kHeadOutOfRange);
    REQUIRE(t.count == 1);
    CHECK(heads[0] == 2);
    CHECK(g.ring.last_avail == 1);  // the bad entry is not taken
}

TEST_CASE("duplicate heads are taken, walked and given back per burst slot") {
    FakeGuest g;
    g.fill(kBuf, "twice");
    g.desc(3, kBuf, 5);
    g.post(3);
    g.post(3);
    uint16_t heads[8];
    const Taken t = take_avail(g.ring, heads);
    REQUIRE(t.count == 2);
    TxChain chains[2];
    for (uint32_t slot = 0; slot < t.count; ++slot) {
        REQUIRE(walk_chain(g.ring, g.mem, heads[slot], g.scratch, chains[slot]) ==
                ChainError::kNone);
        CHECK(chains[slot].head == 3);
    }
    complete(g.ring, std::span<const uint16_t>(heads, t.count));
    CHECK(g.used_idx() == 2);
    CHECK(g.used_elem(0).id == 3);
    CHECK(g.used_elem(1).id == 3);
    CHECK(g.ring.last_used == g.ring.last_avail);
}

TEST_CASE("complete: used entries in order, len 0, then used->idx; ranges to dirty-log") {
    FakeGuest g(8, 6);
    const uint16_t heads[] = {4, 2, 7, 0};
    const UsedWrites w = complete(g.ring, heads);
    CHECK(g.used_idx() == 10);
    CHECK(g.ring.last_used == 10);
    const uint32_t slots[] = {6, 7, 0, 1};
    for (int i = 0; i < 4; ++i) {
        CHECK(g.used_elem(slots[i]).id == heads[i]);
        CHECK(g.used_elem(slots[i]).len == 0);
    }
    REQUIRE(w.count == 3);  // wrapped: two element ranges, then the index
    CHECK(w.ranges[0].offset == 4 + 6 * 8);
    CHECK(w.ranges[0].len == 16);
    CHECK(w.ranges[1].offset == 4);
    CHECK(w.ranges[1].len == 16);
    CHECK(w.ranges[2].offset == 2);
    CHECK(w.ranges[2].len == 2);

    const uint16_t one[] = {5};
    const UsedWrites w1 = complete(g.ring, one);
    REQUIRE(w1.count == 2);
    CHECK(w1.ranges[0].offset == 4 + 2 * 8);
    CHECK(w1.ranges[0].len == 8);
    CHECK(w1.ranges[1].offset == kUsedIdxOffset);
    CHECK(complete(g.ring, std::span<const uint16_t>()).count == 0);
    CHECK(g.used_idx() == 11);
}

TEST_CASE("a ring whose size is not a power of two uses index modulo size") {
    FakeGuest g(5, 65534);
    for (uint16_t h : {0, 1, 2}) g.post(h);  // avail slots 65534 % 5 = 4, 65535 % 5 = 0, 0
    uint16_t heads[5];
    const Taken t = take_avail(g.ring, heads);
    REQUIRE(t.count == 3);
    CHECK(heads[0] == 0);
    // Index 0 maps to slot 0 again right after 65535 did: head 2 overwrote head 1. Only the
    // guest that chose the size is confused; every slot stays inside the ring.
    CHECK(heads[1] == 2);
    CHECK(heads[2] == 2);
    const UsedWrites w = complete(g.ring, std::span<const uint16_t>(heads, t.count));
    for (uint32_t i = 0; i < w.count; ++i)
        CHECK(w.ranges[i].offset + w.ranges[i].len <= used_ring_bytes(5));
    CHECK(g.used_idx() == 1);
}

TEST_CASE("need_event: the spec's vring_need_event, across the 16-bit wrap") {
    struct Row {
        uint16_t event, new_idx, old_idx;
        bool want;
    };
    const Row rows[] = {
        {0, 1, 0, true},          // the driver waits for entry 0, which was just written
        {1, 1, 0, false},         // it waits for entry 1: not yet
        {9, 10, 4, true},         // the last one written
        {4, 10, 4, true},         // the first one written
        {3, 10, 4, false},        // before this batch: already signalled
        {10, 10, 4, false},       // not written yet
        {65535, 2, 65534, true},  // across the wrap
        {2, 2, 65534, false},    {5, 5, 5, false},  // nothing written
    };
    for (const Row& r : rows) {
        CAPTURE(r.event, r.new_idx, r.old_idx);
        CHECK(need_event(r.event, r.new_idx, r.old_idx) == r.want);
    }
}

TEST_CASE("notifications: used_event with EVENT_IDX, avail->flags without") {
    FakeGuest g;
    const uint16_t used_event = 1;
    memcpy(g.host(kAvailGpa + 4 + 2 * 8), &used_event, 2);  // avail->ring[size]
    CHECK(read_used_event(g.ring) == 1);
    const uint16_t head[] = {0};
    complete(g.ring, head);  // used idx 0 -> 1: entry 0 written, the driver waits for entry 1
    CHECK_FALSE(should_notify(g.ring, true, 0));
    complete(g.ring, head);  // 1 -> 2
    CHECK(should_notify(g.ring, true, 1));
    CHECK(should_notify(g.ring, false, 1));
    const uint16_t no_interrupt = kAvailNoInterrupt;
    memcpy(g.host(kAvailGpa), &no_interrupt, 2);
    CHECK_FALSE(should_notify(g.ring, false, 1));
}

TEST_CASE("copy_out: any range of the chain across its pieces, nothing outside it") {
    FakeGuest g;
    const std::string all = pattern(40, 'A');
    g.fill(kBuf, all.substr(0, 5));
    g.fill(kB - 7, all.substr(5, 15));  // A's last 7 bytes and B's first 8: two pieces
    g.fill(kC, all.substr(20, 20));
    g.desc(0, kBuf, 5, kDescNext, 1);
    g.desc(1, kB - 7, 15, kDescNext, 2);
    g.desc(2, kC, 20);
    REQUIRE(g.walk(0) == ChainError::kNone);
    REQUIRE(g.chain.count == 4);
    for (uint32_t off = 0; off <= 40; ++off)
        for (uint32_t len = 0; off + len <= 40; ++len) {
            std::string out(len, '\0');
            CAPTURE(off, len);
            REQUIRE(copy_out(g.chain, off, out.data(), len));
            REQUIRE(out == all.substr(off, len));
        }
    char dst[8] = "unset!!";
    CHECK_FALSE(copy_out(g.chain, 35, dst, 6));
    CHECK_FALSE(copy_out(g.chain, UINT32_MAX, dst, 2));
    CHECK(std::string(dst) == "unset!!");
}

TEST_CASE("read_net_header: the first 12 bytes, even split over descriptors") {
    FakeGuest g;
    const NetHeader h{kHdrNeedsCsum, kGsoTcpv4, 54, 1448, 34, 16, 0};
    const auto* raw = reinterpret_cast<const uint8_t*>(&h);
    memcpy(g.host(kBuf), raw, 5);
    memcpy(g.host(kBuf + 0x100), raw + 5, 7);
    g.fill(kBuf + 0x107, "ethernet");
    g.desc(0, kBuf, 5, kDescNext, 1);
    g.desc(1, kBuf + 0x100, 15);
    REQUIRE(g.walk(0) == ChainError::kNone);
    NetHeader got{};
    REQUIRE(read_net_header(g.chain, got));
    CHECK(got.flags == kHdrNeedsCsum);
    CHECK(got.gso_type == kGsoTcpv4);
    CHECK(got.hdr_len == 54);
    CHECK(got.gso_size == 1448);
    CHECK(got.csum_start == 34);
    CHECK(got.csum_offset == 16);
    g.desc(0, kBuf, 11);
    REQUIRE(g.walk(0) == ChainError::kNone);
    CHECK_FALSE(read_net_header(g.chain, got));
}
