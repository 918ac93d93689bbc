// The connection table (conntrack/ct_table.h): bounds (total and per zone, exact), lookups from
// either direction, the sweep, retirement and reclaim, listing and counts, a full table's
// probing, and several threads inserting and looking up at once.
#include "conntrack/ct_table.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "tests/conntrack/ct_frames.h"

using namespace vsw;
using namespace vsw::conntrack;
using namespace vsw::conntrack::testing;

namespace {

// A UDP key number `i` in `zone` (canonical).
CtKey key(uint32_t i, uint16_t zone = 1) {
    CtKey k;
    memset(&k, 0, sizeof k);
    put_be32(k.addr[0], 0x0a000000 | (i >> 16));
    put_be32(k.addr[1], 0x0b000000);
    k.port[0] = static_cast<uint16_t>(i);
    k.port[1] = 53;
    k.zone = zone;
    k.family = 4;
    k.protocol = kProtoUdp;
    canonicalize(k);
    return k;
}

CtTable::InsertResult insert(CtTable& t, const CtKey& k, uint64_t expires_ms = 1'000'000) {
    return t
        .insert(k, CtTable::hash(k),
                [&](CtEntry& e) {
                    e.orig_side = 0;
                    e.expires_ms.store(expires_ms);
                })
        .result;
}

CtEntry* find(CtTable& t, const CtKey& k) {
    return t.find(k, CtTable::hash(k));
}

}  // namespace

TEST_CASE("ct table: insert, find, kill", "[conntrack]") {
    CtTable t(100);
    const CtKey k = key(1);
    CHECK(find(t, k) == nullptr);
    CHECK(insert(t, k) == CtTable::InsertResult::kInserted);
    CtEntry* e = find(t, k);
    REQUIRE(e);
    CHECK(e->key == k);
    CHECK(e->life.load() == CtLife::kLive);
    CHECK(t.size() == 1);
    CHECK(t.zone_size(1) == 1);
    CHECK(insert(t, k) == CtTable::InsertResult::kExists);
    CHECK(t.size() == 1);
    CHECK(find(t, key(2)) == nullptr);
    CHECK(t.kill(*e));
    CHECK_FALSE(t.kill(*e));  // once
    CHECK(find(t, k) == nullptr);
    CHECK(t.size() == 0);
    CHECK(t.zone_size(1) == 0);
    CHECK(e->key == k);  // still readable by whoever found it before
}

TEST_CASE("ct table: both directions hash and find alike", "[conntrack]") {
    CtTable t(100);
    CtPacket a, b;
    const Frame fa = udp4("10.0.0.2", 5000, "10.0.0.1", 53);
    const Frame fb = udp4("10.0.0.1", 53, "10.0.0.2", 5000);
    REQUIRE(read_ct_packet(fa.data(), static_cast<uint32_t>(fa.size()),
                           static_cast<uint32_t>(fa.size()), 3, a) == CtKeyError::kNone);
    REQUIRE(read_ct_packet(fb.data(), static_cast<uint32_t>(fb.size()),
                           static_cast<uint32_t>(fb.size()), 3, b) == CtKeyError::kNone);
    CHECK(CtTable::hash(a.key) == CtTable::hash(b.key));
    insert(t, a.key);
    CHECK(find(t, b.key) == find(t, a.key));
}

TEST_CASE("ct table: the total bound is exact; room again once a connection ends", "[conntrack]") {
    CtTable t(100);
    for (uint32_t i = 0; i < 100; ++i)
        REQUIRE(insert(t, key(i)) == CtTable::InsertResult::kInserted);
    CHECK(t.size() == 100);
    CHECK(insert(t, key(100)) == CtTable::InsertResult::kFull);
    for (uint32_t i = 0; i < 100; ++i) CHECK(find(t, key(i)));  // all there
    t.kill(*find(t, key(7)));
    CHECK(insert(t, key(100)) == CtTable::InsertResult::kInserted);
    CHECK(insert(t, key(101)) == CtTable::InsertResult::kFull);
}

TEST_CASE("ct table: the zone bound is exact and per zone", "[conntrack]") {
    CtTable t(1000, 10);
    CHECK(t.zone_limit() == 10);
    for (uint32_t i = 0; i < 10; ++i)
        REQUIRE(insert(t, key(i, 1)) == CtTable::InsertResult::kInserted);
    CHECK(insert(t, key(10, 1)) == CtTable::InsertResult::kZoneFull);
    CHECK(insert(t, key(10, 2)) == CtTable::InsertResult::kInserted);
    CHECK(t.zone_size(1) == 10);
    CHECK(t.zone_size(2) == 1);
    CHECK(t.size() == 11);
    t.set_zone_limit(0);
    CHECK(insert(t, key(10, 1)) == CtTable::InsertResult::kInserted);
    t.set_zone_limit(5);  // zones above it keep theirs, and take no more
    CHECK(find(t, key(3, 1)));
    CHECK(insert(t, key(11, 1)) == CtTable::InsertResult::kZoneFull);
}

TEST_CASE("ct table: a full table of many keys finds them all", "[conntrack]") {
    const uint32_t n = 50000;
    CtTable t(n);
    for (uint32_t i = 0; i < n; ++i) REQUIRE(insert(t, key(i)) == CtTable::InsertResult::kInserted);
    uint32_t found = 0;
    for (uint32_t i = 0; i < n; ++i) found += find(t, key(i)) != nullptr;
    CHECK(found == n);
    CHECK(find(t, key(n)) == nullptr);
    CHECK(t.pool_size() >= n + n / 8);
    CHECK(t.memory_bytes() / n < 256);  // bytes per connection
}

TEST_CASE("ct table: the sweep ends expired connections in slices; reclaim frees them",
          "[conntrack]") {
    CtTable t(100);
    for (uint32_t i = 0; i < 60; ++i) insert(t, key(i), i < 40 ? 5000 : 9000);
    // Slices of the pool: the whole pool takes several calls.
    uint32_t retired = 0;
    for (uint32_t n = 0; n < t.pool_size(); n += 16) retired += t.sweep(5000, 16);
    CHECK(retired == 40);
    CHECK(t.size() == 20);
    CHECK(find(t, key(0)) == nullptr);
    CHECK(find(t, key(50)));
    CHECK(t.awaiting_reclaim() == 40);
    const uint64_t mark = t.retire_mark();
    // Killed on the datapath: retired by the next sweep, after those before it.
    t.kill(*find(t, key(41)));
    t.sweep(5000, t.pool_size());
    CHECK(t.awaiting_reclaim() == 41);
    CHECK(t.reclaim(mark) == 40);  // a grace period after `mark`: those 40 are free
    CHECK(t.awaiting_reclaim() == 1);
    CHECK(t.reclaim(t.retire_mark()) == 1);
    CHECK(t.reclaim(t.retire_mark()) == 0);
    CHECK(t.sweep(8999, t.pool_size()) == 0);
    CHECK(t.sweep(9000, t.pool_size()) == 19);
    CHECK(t.size() == 0);
}

TEST_CASE("ct table: entries come back only after reclaim", "[conntrack]") {
    CtTable t(100);
    const uint32_t pool = t.pool_size();
    REQUIRE(pool == 100 + 12 + 64);
    for (uint32_t i = 0; i < 100; ++i) insert(t, key(i), 10);
    t.sweep(10, pool);  // all ended and retired: uncounted, not free yet
    CHECK(t.size() == 0);
    CHECK(t.awaiting_reclaim() == 100);
    uint32_t inserted = 0;
    for (uint32_t i = 100; i < 300; ++i)
        inserted += insert(t, key(i)) == CtTable::InsertResult::kInserted;
    CHECK(inserted == pool - 100);  // the pool's spare entries only
    t.reclaim(t.retire_mark());     // a grace period later
    inserted = 0;
    for (uint32_t i = 300; i < 500; ++i)
        inserted += insert(t, key(i)) == CtTable::InsertResult::kInserted;
    CHECK(inserted == 100 - (pool - 100));
    CHECK(t.size() == 100);
}

TEST_CASE("ct table: listing and counts", "[conntrack]") {
    CtTable t(1000);
    for (uint32_t i = 0; i < 30; ++i) insert(t, key(i, static_cast<uint16_t>(i % 3)));
    find(t, key(3, 0))->status.store(kCtSeenReply | kCtAssured);
    std::set<uint32_t> seen;
    uint32_t cursor = 0;
    CtEntryView page[7];
    for (size_t n; (n = t.list(cursor, page, 7)) > 0;)
        for (size_t i = 0; i < n; ++i) seen.insert(page[i].key.port[0]);
    CHECK(seen.size() == 30);
    const CtCounts all = t.counts();
    CHECK(all.connections == 30);
    CHECK(all.udp == 30);
    CHECK(all.unreplied == 29);
    CHECK(all.assured == 1);
    const CtCounts zone0 = t.counts(0);
    CHECK(zone0.connections == 10);
    CHECK(zone0.assured == 1);
    CHECK(t.counts(5).connections == 0);
}

TEST_CASE("ct table: TCP entries are counted per state", "[conntrack]") {
    CtTable t(100);
    const TcpState states[] = {TcpState::kSynSent, TcpState::kEstablished, TcpState::kEstablished,
                               TcpState::kTimeWait};
    for (uint32_t i = 0; i < 4; ++i) {
        CtKey k = key(i);
        k.protocol = kProtoTcp;
        t.insert(k, CtTable::hash(k), [&](CtEntry& e) { e.tcp.state = states[i]; });
    }
    const CtCounts c = t.counts();
    CHECK(c.connections == 4);
    CHECK(c.tcp[static_cast<unsigned>(TcpState::kEstablished)] == 2);
    CHECK(c.tcp[static_cast<unsigned>(TcpState::kSynSent)] == 1);
    CHECK(c.tcp[static_cast<unsigned>(TcpState::kTimeWait)] == 1);
    CHECK(c.udp == 0);
}

TEST_CASE("ct table: threads inserting the same keys insert each once", "[conntrack]") {
    const uint32_t n = 20000;
    CtTable t(n);
    std::atomic<uint32_t> inserted{0}, existed{0}, missing{0};
    auto work = [&](uint32_t start) {
        for (uint32_t j = 0; j < n; ++j) {
            const uint32_t i = (start + j) % n;
            switch (insert(t, key(i))) {
                case CtTable::InsertResult::kInserted: ++inserted; break;
                case CtTable::InsertResult::kExists: ++existed; break;
                default: break;
            }
            if (!find(t, key(i))) ++missing;  // (Catch2's assertions are for the main thread)
        }
    };
    std::thread a(work, 0), b(work, n / 2);
    a.join();
    b.join();
    CHECK(inserted == n);
    CHECK(existed == n);
    CHECK(missing == 0);
    CHECK(t.size() == n);
}

TEST_CASE("ct table: lookups go on while another thread ends and reinserts", "[conntrack]") {
    const uint32_t n = 2000;
    CtTable t(n);
    for (uint32_t i = 0; i < n; ++i) insert(t, key(i));
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> wrong{0}, looked{0};
    std::thread reader([&] {
        while (!stop.load()) {
            for (uint32_t i = 0; i < n; ++i) {
                const CtKey k = key(i);
                if (CtEntry* e = find(t, k))
                    if (!(e->key == k)) ++wrong;  // an entry reused under a reader
                ++looked;
            }
        }
    });
    // The control side: end half the connections, retire them, wait for a full pass of the
    // reader (its grace period: it never keeps an entry between lookups), reclaim, reinsert.
    for (int round = 0; round < 200; ++round) {
        for (uint32_t i = round % 2; i < n; i += 2)
            if (CtEntry* e = find(t, key(i))) t.kill(*e);
        t.sweep(0, t.pool_size());
        const uint64_t mark = t.retire_mark();
        const uint64_t before = looked.load();
        while (looked.load() < before + n) std::this_thread::yield();
        t.reclaim(mark);
        for (uint32_t i = round % 2; i < n; i += 2) insert(t, key(i));
    }
    stop = true;
    reader.join();
    CHECK(wrong == 0);
    CHECK(t.size() == n);
}

TEST_CASE("ct table: kill_where ends what the predicate picks, in one zone or all", "[conntrack]") {
    CtTable t(100);
    for (uint32_t i = 0; i < 10; ++i)
        REQUIRE(insert(t, key(i, 1)) == CtTable::InsertResult::kInserted);
    for (uint32_t i = 0; i < 5; ++i)
        REQUIRE(insert(t, key(i, 2)) == CtTable::InsertResult::kInserted);
    // Zone 1's even ports.
    const uint32_t n = t.kill_where(1, [](const CtEntryView& v) {
        return (v.key.port[0] == 53 ? v.key.port[1] : v.key.port[0]) % 2 == 0;
    });
    CHECK(n == 5);
    CHECK(t.zone_size(1) == 5);
    CHECK(t.zone_size(2) == 5);
    CHECK(find(t, key(2, 1)) == nullptr);
    CHECK(find(t, key(3, 1)) != nullptr);
    CHECK(find(t, key(2, 2)) != nullptr);  // another zone: untouched
    // Every zone, everything.
    CHECK(t.kill_where(-1, [](const CtEntryView&) { return true; }) == 10);
    CHECK(t.size() == 0);
    // Ended entries come back through the sweep and a reclaim.
    t.sweep(0, t.pool_size());
    t.reclaim(t.retire_mark());
    CHECK(t.awaiting_reclaim() == 0);
    CHECK(insert(t, key(2, 1)) == CtTable::InsertResult::kInserted);
}
