// The guest backlog over real mbufs (runs inside pipeline_tests, which sets up the EAL), with a
// fake guest whose ring has room for `accept` frames: what its ring does not take waits, in order,
// and goes before anything newer; only the bound and a stalled guest drop.
#include "src/datapath/guest_backlog.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "tests/support/datapath_fixture.h"

using namespace vsw;
using namespace vsw::test;

namespace {

constexpr uint64_t kStall = 1000;  // TSC ticks a guest may take nothing

// A guest's backlog and a guest whose ring has room for `accept` more frames.
struct Guest {
    GuestBacklog b;
    telemetry::PortCounters c;
    std::vector<uint32_t> taken;  // lengths of the frames the guest took, in order
    uint16_t accept = 0;          // room left in the ring

    ~Guest() { guest_backlog_flush(b); }
    // What the datapath's offer() does with what the guest took: copied, then freed.
    uint16_t take(rte_mbuf** pkts, uint16_t n) {
        const uint16_t k = std::min(n, accept);
        accept = static_cast<uint16_t>(accept - k);
        for (uint16_t i = 0; i < k; ++i) taken.push_back(pkts[i]->pkt_len);
        rte_pktmbuf_free_bulk(pkts, k);
        return k;
    }
    // Frames of lengths first..first+n-1 (n <= kBurst), sent at TSC `now`.
    void send(uint16_t first, uint16_t n, uint64_t now = 0) {
        rte_mbuf* pkts[kBurst];
        for (uint16_t i = 0; i < n; ++i)
            pkts[i] = frame(kMacB, kMacA, static_cast<uint16_t>(first + i));
        guest_backlog_send(b, pkts, n, now, kStall, c,
                           [&](rte_mbuf** p, uint16_t k) { return take(p, k); });
    }
    uint16_t drain(uint64_t now = 0) {
        return guest_backlog_drain(b, now, kStall, c,
                                   [&](rte_mbuf** p, uint16_t k) { return take(p, k); });
    }
    uint64_t tx_full() const { return c.drops[static_cast<unsigned>(DropReason::kTxFull)].get(); }
};

std::vector<uint32_t> lengths(uint32_t first, uint32_t n) {
    std::vector<uint32_t> v;
    for (uint32_t i = 0; i < n; ++i) v.push_back(first + i);
    return v;
}

}  // namespace

TEST_CASE("guest backlog: what the ring does not take waits, and goes first, in order") {
    const unsigned baseline = rte_mempool_in_use_count(g_pool);
    {
        Guest g;
        g.accept = 4;
        g.send(100, 10);  // 4 taken, 6 wait
        CHECK(g.taken == lengths(100, 4));
        CHECK(g.b.n == 6);
        CHECK(g.c.tx_waited.get() == 6);
        g.accept = 0;
        g.send(110, 5);  // the backlog is offered first (nothing taken): the new frames queue
        CHECK(g.b.n == 11);
        g.accept = 3;
        g.send(115, 2);  // three of the oldest go; the new ones never overtake
        CHECK(g.taken == lengths(100, 7));
        CHECK(g.b.n == 10);
        g.accept = kBurst;
        CHECK(g.drain() == 10);
        CHECK(g.taken == lengths(100, 17));
        CHECK(g.b.n == 0);
        CHECK(g.tx_full() == 0);
        g.send(117, 3);  // nothing waits: straight to the ring
        CHECK(g.taken == lengths(100, 20));
        CHECK(g.c.tx_waited.get() == 13);
    }
    CHECK(rte_mempool_in_use_count(g_pool) == baseline);
}

TEST_CASE(
    "guest backlog: beyond its bound frames are dropped as tx_full; order survives wrapping") {
    const unsigned baseline = rte_mempool_in_use_count(g_pool);
    {
        Guest g;
        for (uint16_t i = 0; i < 5; ++i) g.send(static_cast<uint16_t>(100 + i * kBurst), kBurst);
        CHECK(g.b.n == kBacklogFrames);  // 160 sent: the first 128 wait
        CHECK(g.tx_full() == 5 * kBurst - kBacklogFrames);
        CHECK(g.c.tx_waited.get() == kBacklogFrames);
        // The ring wraps: the guest takes 50, 40 more come, it takes them all, oldest first.
        g.accept = 50;
        CHECK(g.drain() == 50);
        g.accept = 0;
        g.send(400, 20);
        g.send(420, 20);
        CHECK(g.b.n == kBacklogFrames - 50 + 40);
        g.accept = 1000;
        g.drain();
        std::vector<uint32_t> want = lengths(100, kBacklogFrames);
        for (uint32_t l : lengths(400, 40)) want.push_back(l);
        CHECK(g.taken == want);
        CHECK(g.b.n == 0);
    }
    CHECK(rte_mempool_in_use_count(g_pool) == baseline);
}

TEST_CASE("guest backlog: a guest that takes nothing for the stall time is dropped, once") {
    const unsigned baseline = rte_mempool_in_use_count(g_pool);
    {
        Guest g;
        g.send(100, 10, /*now=*/0);
        CHECK(g.drain(kStall - 1) == 0);  // slow, not stopped
        CHECK(g.b.n == 10);
        g.drain(kStall);  // stopped: what waited goes, counted
        CHECK(g.b.n == 0);
        CHECK(g.b.stalled);
        CHECK(g.tx_full() == 10);
        g.send(110, 5, kStall + 1);  // nothing waits for a stalled guest
        CHECK(g.b.n == 0);
        CHECK(g.tx_full() == 15);
        CHECK(g.c.tx_waited.get() == 10);
        g.accept = 2;
        g.send(120, 5, kStall + 2);  // it takes frames again: the rest waits once more
        CHECK_FALSE(g.b.stalled);
        CHECK(g.b.n == 3);
        CHECK(g.b.progress_tsc == kStall + 2);
        // Progress restarts the clock: taking frames keeps a slow guest's backlog.
        g.accept = 1;
        CHECK(g.drain(2 * kStall + 1) == 1);
        g.accept = 0;
        CHECK(g.drain(3 * kStall) == 0);
        CHECK(g.b.n == 2);
        CHECK(g.tx_full() == 15);
    }
    CHECK(rte_mempool_in_use_count(g_pool) == baseline);
}
