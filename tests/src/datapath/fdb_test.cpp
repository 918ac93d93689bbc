#include "src/datapath/fdb.h"

#include <algorithm>
#include <catch2/catch.hpp>

using vsw::Fdb;
using vsw::Mac;

namespace {
constexpr Mac kA = 0x020000000001;
constexpr Mac kB = 0x020000000002;
constexpr Mac kC = 0x020000000003;
constexpr auto kSet = Fdb::RemoteResult::kSet;
}  // namespace

TEST_CASE("FDB learns and looks up per (VLAN, MAC)") {
    Fdb fdb(64);
    CHECK(fdb.lookup(kA, 0) == -1);
    CHECK(fdb.learn(kA, 0, 3, 10) == Fdb::LearnResult::kLearned);
    CHECK(fdb.lookup(kA, 0) == 3);
    CHECK(fdb.lookup(kA, 10) == -1);  // another VLAN is another table
    CHECK(fdb.learn(kA, 10, 4, 10) == Fdb::LearnResult::kLearned);
    CHECK(fdb.lookup(kA, 10) == 4);
    CHECK(fdb.lookup(kA, 0) == 3);
    CHECK(fdb.size() == 2);
}

TEST_CASE("FDB relearning: unchanged, refreshed, moved") {
    Fdb fdb(64);
    fdb.learn(kA, 0, 1, 5);
    CHECK(fdb.learn(kA, 0, 1, 5) == Fdb::LearnResult::kUnchanged);
    CHECK(fdb.learn(kA, 0, 1, 6) == Fdb::LearnResult::kRefreshed);
    CHECK(fdb.learn(kA, 0, 2, 6) == Fdb::LearnResult::kMoved);
    CHECK(fdb.lookup(kA, 0) == 2);
    CHECK(fdb.size() == 1);
}

TEST_CASE("FDB ages out entries not seen for the aging time") {
    Fdb fdb(64);
    fdb.learn(kA, 0, 1, 100);
    fdb.learn(kB, 0, 2, 250);
    CHECK(fdb.age(399, 300) == 0);  // A seen 299 s ago: stays
    CHECK(fdb.age(400, 300) == 1);  // A seen 300 s ago: goes
    CHECK(fdb.lookup(kA, 0) == -1);
    CHECK(fdb.lookup(kB, 0) == 2);
    CHECK(fdb.size() == 1);
    fdb.learn(kB, 0, 2, 500);  // refreshed: its age starts again
    CHECK(fdb.age(700, 300) == 0);
    CHECK(fdb.age(800, 300) == 1);
    CHECK(fdb.size() == 0);
}

TEST_CASE("FDB size limit: full is reported, never blocks, and frees up after aging") {
    Fdb fdb(16);
    int learned = 0, full = 0;
    for (Mac m = 1; m <= 100; ++m) {
        auto r = fdb.learn(0x020000000000 | m, 0, 1, 0);
        if (r == Fdb::LearnResult::kLearned) ++learned;
        if (r == Fdb::LearnResult::kFull) ++full;
    }
    CHECK(learned == 16);
    CHECK(full == 84);
    CHECK(fdb.size() == 16);
    // Existing entries still refresh while the table is full.
    auto e = fdb.entries();
    REQUIRE(e.size() == 16);
    CHECK(fdb.learn(e[0].mac, 0, 1, 1) == Fdb::LearnResult::kRefreshed);
    fdb.age(400, 300);
    CHECK(fdb.size() == 0);
    CHECK(fdb.learn(kA, 0, 1, 400) == Fdb::LearnResult::kLearned);
}

TEST_CASE("FDB flush removes all entries or one port's") {
    Fdb fdb(64);
    fdb.learn(kA, 0, 1, 0);
    fdb.learn(kB, 0, 2, 0);
    fdb.learn(kB, 7, 1, 0);
    CHECK(fdb.flush_port(1) == 2);
    CHECK(fdb.lookup(kA, 0) == -1);
    CHECK(fdb.lookup(kB, 0) == 2);
    CHECK(fdb.flush() == 1);
    CHECK(fdb.size() == 0);
    CHECK(fdb.entries().empty());
}

TEST_CASE("FDB entries report what was learned") {
    Fdb fdb(64);
    fdb.learn(kA, 5, 9, 42);
    auto e = fdb.entries();
    REQUIRE(e.size() == 1);
    CHECK(e[0].mac == kA);
    CHECK(e[0].vlan == 5);
    CHECK(e[0].port == 9);
    CHECK(e[0].last_seen == 42);
}

TEST_CASE("FDB holds its limit of distinct MACs with realistic addresses") {
    Fdb fdb(4096);
    for (Mac i = 0; i < 4096; ++i) {
        Mac m = 0x525400000000 | (i * 2654435761u & 0xffffff);  // QEMU-style OUI
        fdb.learn(m, 0, static_cast<uint16_t>(i % 200), 0);
    }
    // Buckets have room for twice the limit: nearly all fit before a bucket overflows.
    CHECK(fdb.size() >= 4000);
}

TEST_CASE("FDB remote entries: set, looked up as kRemote + VTEP, never aged or flushed") {
    Fdb fdb(16);
    CHECK(fdb.set_remote(0x020000000001, 10, 3) == kSet);
    CHECK(fdb.lookup(0x020000000001, 10) == Fdb::kRemote + 3);
    CHECK(fdb.lookup(0x020000000001, 20) == -1);           // per VLAN
    CHECK(fdb.set_remote(0x020000000001, 10, 4) == kSet);  // re-pointed to another VTEP
    CHECK(fdb.lookup(0x020000000001, 10) == Fdb::kRemote + 4);
    CHECK(fdb.size() == 1);
    CHECK(fdb.age(1000000, 1) == 0);
    CHECK(fdb.flush() == 0);
    CHECK(fdb.flush_port(4) == 0);  // a port slot equal to the VTEP index is not it
    auto e = fdb.entries();
    REQUIRE(e.size() == 1);
    CHECK((e[0].remote && e[0].vtep == 4 && e[0].vlan == 10 && e[0].mac == 0x020000000001));
    // A local frame from the MAC: it moved here; the control plane's removal leaves it alone.
    CHECK(fdb.learn(0x020000000001, 10, 2, 5) == Fdb::LearnResult::kMoved);
    CHECK(fdb.lookup(0x020000000001, 10) == 2);
    CHECK(!fdb.remove_remote(0x020000000001, 10));
    CHECK(fdb.lookup(0x020000000001, 10) == 2);
    // Remote over local (EVPN says it is elsewhere now), then removed.
    CHECK(fdb.set_remote(0x020000000001, 10, 1) == kSet);
    CHECK(fdb.remove_remote(0x020000000001, 10));
    CHECK(fdb.lookup(0x020000000001, 10) == -1);
    CHECK(fdb.size() == 0);
    for (Mac m = 1; m <= 5; ++m) CHECK(fdb.set_remote(0x020000000000 | m, 1, 0) == kSet);
    fdb.learn(0x020000000099, 1, 0, 0);
    CHECK(fdb.flush_remote() == 5);
    CHECK(fdb.size() == 1);
}

TEST_CASE("FDB remote entries respect the size limit") {
    Fdb fdb(4);
    for (Mac m = 1; m <= 4; ++m) CHECK(fdb.set_remote(0x020000000000 | m, 1, 0) == kSet);
    CHECK(fdb.set_remote(0x020000000010, 1, 0) == Fdb::RemoteResult::kFull);
    CHECK(fdb.set_remote(0x020000000001, 1, 1) == kSet);  // an existing one can still change
}

TEST_CASE("FDB counts each port's entries through learning, moves, aging, flushes and remotes") {
    Fdb fdb(64);
    CHECK(fdb.learn(kA, 0, 1, 0) == Fdb::LearnResult::kLearned);
    CHECK(fdb.learn(kA, 10, 1, 0) == Fdb::LearnResult::kLearned);  // another VLAN, another entry
    CHECK(fdb.learn(kB, 0, 2, 0) == Fdb::LearnResult::kLearned);
    CHECK(fdb.learned_on(1) == 2);
    CHECK(fdb.learned_on(2) == 1);
    CHECK(fdb.learn(kA, 0, 1, 5) == Fdb::LearnResult::kRefreshed);
    CHECK(fdb.learned_on(1) == 2);
    CHECK(fdb.learn(kA, 0, 2, 6) == Fdb::LearnResult::kMoved);
    CHECK(fdb.learned_on(1) == 1);
    CHECK(fdb.learned_on(2) == 2);
    CHECK(fdb.set_remote(kB, 0, 7) == kSet);  // the control plane takes it from port 2
    CHECK(fdb.learned_on(2) == 1);
    CHECK(fdb.learn(kB, 0, 1, 7) == Fdb::LearnResult::kMoved);  // and a local port back
    CHECK(fdb.learned_on(1) == 2);
    CHECK(fdb.age(302, 300) == 1);  // kA in VLAN 10, last seen at 0
    CHECK(fdb.learned_on(1) == 1);
    CHECK(fdb.flush_port(2) == 1);
    CHECK(fdb.learned_on(2) == 0);
    CHECK(fdb.flush() == 1);
    CHECK(fdb.learned_on(1) == 0);
    CHECK(fdb.learned_on(vsw::kMaxPorts) == 0);  // out of range: none
}

TEST_CASE("FDB MAC limit: a port at its limit learns no new MAC but refreshes its own") {
    Fdb fdb(64);
    for (Mac m = 1; m <= 3; ++m) CHECK(fdb.learn(m << 8, 0, 1, 0, 3) == Fdb::LearnResult::kLearned);
    CHECK(fdb.learn(4 << 8, 0, 1, 0, 3) == Fdb::LearnResult::kLimited);
    CHECK(fdb.lookup(4 << 8, 0) == -1);
    CHECK(fdb.learn(1 << 8, 0, 1, 9, 3) == Fdb::LearnResult::kRefreshed);
    CHECK(fdb.learn(kA, 0, 2, 0, 3) == Fdb::LearnResult::kLearned);  // other ports: their own
    CHECK(fdb.learn(kA, 0, 1, 1, 3) == Fdb::LearnResult::kLimited);  // a move in counts as new
    CHECK(fdb.lookup(kA, 0) == 2);
    CHECK(fdb.learn(4 << 8, 0, 1, 0, 0) == Fdb::LearnResult::kLearned);  // 0: no limit
    CHECK(fdb.age(305, 300) == 4);  // aged entries make room again
    CHECK(fdb.learned_on(1) == 1);  // 1 << 8 refreshed at 9
    CHECK(fdb.learn(5 << 8, 0, 1, 305, 3) == Fdb::LearnResult::kLearned);
}

TEST_CASE("FDB pinned entries never age, never move, and the overlay does not take them") {
    Fdb fdb(64);
    constexpr uint16_t kGuestPort = 3, kOtherPort = 5;
    REQUIRE(fdb.pin(kA, 10, kGuestPort));
    CHECK(fdb.lookup(kA, 10) == kGuestPort);
    CHECK(fdb.learned_on(kGuestPort) == 1);  // counts towards the port's mac-limit
    CHECK(fdb.learn(kA, 10, kOtherPort, 5) == Fdb::LearnResult::kPinned);
    CHECK(fdb.learn(kA, 10, kGuestPort, 5) == Fdb::LearnResult::kUnchanged);  // no refresh write
    CHECK(fdb.lookup(kA, 10) == kGuestPort);
    CHECK(fdb.set_remote(kA, 10, 2) == Fdb::RemoteResult::kPinned);
    CHECK(fdb.lookup(kA, 10) == kGuestPort);
    CHECK(fdb.age(1000000, 1) == 0);
    CHECK(fdb.flush() == 0);
    CHECK(fdb.flush_port(kGuestPort) == 0);
    auto e = fdb.entries();
    REQUIRE(e.size() == 1);
    CHECK((e[0].pinned && e[0].port == kGuestPort && !e[0].remote));
    // Learned pinned (a tagged VLAN of a port-security port) over an ordinary entry.
    CHECK(fdb.learn(kB, 20, kOtherPort, 1) == Fdb::LearnResult::kLearned);
    CHECK(fdb.learn(kB, 20, kGuestPort, 2, 0, true) == Fdb::LearnResult::kMoved);
    CHECK(fdb.learn(kB, 20, kOtherPort, 3) == Fdb::LearnResult::kPinned);
    CHECK(fdb.learned_on(kOtherPort) == 0);
    CHECK(fdb.learned_on(kGuestPort) == 2);
    // A pin takes a MAC from whoever had it, remote or local.
    CHECK(fdb.set_remote(kC, 10, 1) == kSet);
    REQUIRE(fdb.pin(kC, 10, kGuestPort));
    CHECK(fdb.lookup(kC, 10) == kGuestPort);
    // Unpinned with the port's security: gone, counts too.
    fdb.learn(0x020000000077, 10, kGuestPort, 4);
    CHECK(fdb.unpin_port(kGuestPort) == 3);
    CHECK(fdb.learned_on(kGuestPort) == 1);
    CHECK(fdb.learn(kA, 10, kOtherPort, 6) == Fdb::LearnResult::kLearned);
}
