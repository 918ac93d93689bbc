// Datapath stages over real mbufs from a real mempool, with net_null ethdevs as egress ports.
#include "src/datapath/pipeline.h"

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <vector>

#include "src/datapath/ethdev_port.h"
#include "src/datapath/slow_path.h"
#include "tests/support/datapath_fixture.h"

using namespace vsw;
using namespace vsw::test;

TEST_CASE("decide: classification, learning and lookup") {
    REQUIRE(rte_mempool_in_use_count(g_pool) == 0);
    Fixture f;
    f.fdb.learn(kMacB, 0, 1, 0);
    std::vector<rte_mbuf*> pkts = {
        frame(kMacB, kMacA),       // learned unicast -> slot 1
        frame(kBroadcast, kMacA),  // broadcast -> flood
        frame(kMacC, kMacA),       // unknown unicast -> flood
        frame(kMacB, kMacA, 10),   // runt -> malformed
        frame(kMacB, kBroadcast),  // multicast source -> invalid
        frame(kMacA, kMacA),       // destination learned on the ingress port -> same_port
    };
    BurstDecisions d;
    decide(*f.dp, f.snap, f.port(0), pkts.data(), static_cast<uint16_t>(pkts.size()), 5, d,
           f.remote);
    CHECK(d.out[0] == 1);
    CHECK(d.out[1] == kOutFlood);
    CHECK(d.out[2] == kOutFlood);
    CHECK(d.out[3] == kOutDrop);
    CHECK(d.out[4] == kOutDrop);
    CHECK(d.out[5] == kOutDrop);
    CHECK(f.fdb.lookup(kMacA, 0) == 0);  // source learned on the ingress slot
    CHECK(drops(f.port(0), DropReason::kMalformed) == 1);
    CHECK(drops(f.port(0), DropReason::kInvalidSrcMac) == 1);
    CHECK(drops(f.port(0), DropReason::kSamePort) == 1);
    CHECK(f.port(0).counters[0].rx_packets.get() == 6);
    CHECK(f.port(0).counters[0].rx_bytes.get() == 5 * 64 + 10);

    scatter(*f.dp, f.snap, f.port(0), pkts.data(), static_cast<uint16_t>(pkts.size()), d, f.remote);
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("a destination whose port left the snapshot is flooded, not sent to a stale slot") {
    Fixture f;
    f.fdb.learn(kMacB, 0, 2, 0);
    f.snap.ports[2] = nullptr;
    f.snap.n_flood = 2;  // slots 0 and 1
    rte_mbuf* m = frame(kMacB, kMacA);
    BurstDecisions d;
    decide(*f.dp, f.snap, f.port(0), &m, 1, 0, d, f.remote);
    CHECK(d.out[0] == kOutFlood);
    scatter(*f.dp, f.snap, f.port(0), &m, 1, d, f.remote);
    CHECK(f.dp->tx[1].n == 1);
    CHECK(f.dp->tx[2].n == 0);
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("reserved group addresses are neither learned nor flooded, unless forward-bpdu") {
    constexpr Mac kStp = 0x0180c2000000, kLacp = 0x0180c2000002, kLldp = 0x0180c200000e;
    constexpr Mac kAllLans = 0x0180c2000010;  // just past the reserved block: an ordinary group
    Fixture f;
    std::vector<rte_mbuf*> pkts = {frame(kStp, kMacA), frame(kLacp, kMacA), frame(kLldp, kMacA),
                                   frame(kAllLans, kMacB)};
    BurstDecisions d;
    f.run_burst(0, pkts.data(), 4, d);
    CHECK(d.out[0] == kOutDrop);
    CHECK(d.out[1] == kOutDrop);
    CHECK(d.out[2] == kOutDrop);
    CHECK(d.out[3] == kOutFlood);
    CHECK(drops(f.port(0), DropReason::kReservedMulticast) == 3);
    CHECK(f.fdb.lookup(kMacA, 0) < 0);  // a link-local frame teaches nothing
    CHECK(f.dp->tx[1].n == 1);
    CHECK(f.dp->tx[2].n == 1);
    flush_all(*f.dp, f.snap);

    f.snap.features[0] |= port_feature::kForwardBpdu;  // forward-bpdu=on
    pkts = {frame(kStp, kMacA), frame(kLldp, kMacA)};
    f.run_burst(0, pkts.data(), 2, d);
    CHECK(d.out[0] == kOutFlood);
    CHECK(d.out[1] == kOutFlood);
    CHECK(drops(f.port(0), DropReason::kReservedMulticast) == 3);
    CHECK(f.fdb.lookup(kMacA, 0) == 0);
    CHECK(f.dp->tx[1].n == 2);
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("mac-limit: frames from MACs new to a port at its limit are dropped, not learned") {
    constexpr Mac kM1 = 0x020000000011, kM2 = 0x020000000012, kM3 = 0x020000000013;
    Fixture f;
    auto table = std::make_unique<SecurityTable>();
    table->mac_limit[0] = 2;
    f.snap.security = std::move(table);
    f.snap.features[0] |= port_feature::kMacLimit;
    std::vector<rte_mbuf*> pkts = {frame(kMacB, kM1), frame(kMacB, kM2), frame(kMacB, kM3),
                                   frame(kMacB, kM1), frame(kMacB, kM3)};
    BurstDecisions d;
    f.run_burst(0, pkts.data(), 5, d);
    CHECK(d.out[0] == kOutFlood);
    CHECK(d.out[1] == kOutFlood);
    CHECK(d.out[2] == kOutDrop);
    CHECK(d.out[3] == kOutFlood);  // a MAC it has goes on
    CHECK(d.out[4] == kOutDrop);   // and a new one stays out, burst after burst
    CHECK(drops(f.port(0), DropReason::kMacLimit) == 2);
    CHECK(f.fdb.learned_on(0) == 2);
    CHECK(f.fdb.lookup(kM3, 0) < 0);
    // Port 1 has no limit.
    pkts = {frame(kMacB, kM3)};
    f.run_burst(1, pkts.data(), 1, d);
    CHECK(f.fdb.lookup(kM3, 0) == 1);
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("pinned MACs: another port's frames from them are dropped as mac_pinned") {
    constexpr Mac kPinned = 0x020000000021, kTagged = 0x020000000022;
    Fixture f;
    REQUIRE(f.fdb.pin(kPinned, 0, 0));  // the control thread pins port 0's allowed MAC
    // Port 0 has port security: what reaches decide() passed its policy, and is pinned as learned.
    f.snap.security = std::make_unique<SecurityTable>();
    f.snap.features[0] |= port_feature::kPortSecurity;
    std::vector<rte_mbuf*> pkts = {frame(kMacB, kPinned), frame(kMacB, kTagged)};
    BurstDecisions d;
    f.run_burst(0, pkts.data(), 2, d);
    CHECK(d.out[0] == kOutFlood);
    CHECK(d.out[1] == kOutFlood);
    // Port 1 (no port security of its own) claims both.
    pkts = {frame(kMacB, kPinned), frame(kMacB, kTagged), frame(kMacB, kMacC)};
    f.run_burst(1, pkts.data(), 3, d);
    CHECK(d.out[0] == kOutDrop);
    CHECK(d.out[1] == kOutDrop);
    CHECK(d.out[2] == kOutFlood);
    CHECK(drops(f.port(1), DropReason::kMacPinned) == 2);
    CHECK(f.fdb.lookup(kPinned, 0) == 0);
    CHECK(f.fdb.lookup(kTagged, 0) == 0);
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("reserved group frames go up the slow path where a feature claims them (LACP, CFM)") {
    constexpr Mac kLacp = 0x0180c2000002, kCfm = 0x0180c2000030;  // CFM level 0: an ordinary group
    Fixture f;
    rte_ring* punt =
        rte_ring_create_elem("test_punt", sizeof(Punt), 4, SOCKET_ID_ANY, RING_F_SC_DEQ);
    REQUIRE(punt);
    f.dp->punt = punt;
    f.snap.features[0] |= port_feature::kPuntReserved;
    std::vector<rte_mbuf*> pkts = {frame(kLacp, kMacA), frame(kLacp, kMacA), frame(kCfm, kMacA),
                                   frame(kLacp, kMacA), frame(kLacp, kMacA)};
    BurstDecisions d;
    f.run_burst(0, pkts.data(), 5, d);
    CHECK(d.out[0] == kOutDrop);  // never switched
    CHECK(d.out[2] == kOutFlood);
    // A ring of 4 holds 3: the fourth LACPDU finds it full and is dropped, counted.
    CHECK(f.port(0).counters[0].to_control.get() == 3);
    CHECK(drops(f.port(0), DropReason::kReservedMulticast) == 1);
    CHECK(f.fdb.lookup(kMacA, 0) == 0);  // learned from the CFM frame only
    flush_all(*f.dp, f.snap);
    Punt p[3];
    REQUIRE(rte_ring_sc_dequeue_bulk_elem(punt, p, sizeof(Punt), 3, nullptr) == 3);
    for (const Punt& q : p) {
        CHECK(q.reason == PuntReason::kReservedMulticast);
        CHECK(q.slot == 0);
        REQUIRE(q.frame != nullptr);
        CHECK(mac_from_bytes(rte_pktmbuf_mtod(q.frame, const uint8_t*)) == kLacp);
        rte_pktmbuf_free(q.frame);  // the control thread's reference
    }
    rte_ring_free(punt);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("scatter: floods share one mbuf by reference, never back to the ingress port") {
    Fixture f;
    std::vector<rte_mbuf*> pkts = {frame(kBroadcast, kMacA), frame(kBroadcast, kMacA)};
    BurstDecisions d;
    f.run_burst(0, pkts.data(), 2, d);
    CHECK(f.dp->tx[0].n == 0);
    REQUIRE(f.dp->tx[1].n == 2);
    REQUIRE(f.dp->tx[2].n == 2);
    CHECK(f.dp->tx[1].pkts[0] == f.dp->tx[2].pkts[0]);  // the same mbuf: zero copy
    CHECK(rte_mbuf_refcnt_read(pkts[0]) == 2);
    CHECK(f.port(0).counters[0].flooded.get() == 2);
    flush_all(*f.dp, f.snap);
    CHECK(f.port(1).counters[0].tx_packets.get() == 2);
    CHECK(f.port(2).counters[0].tx_packets.get() == 2);
    CHECK(f.port(1).counters[0].tx_bytes.get() == 128);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("flood skips ports whose link is down; nobody left counts no_destination") {
    Fixture f;
    f.port(1).admin_up = false;
    rte_mbuf* m = frame(kBroadcast, kMacA);
    BurstDecisions d;
    f.run_burst(0, &m, 1, d);
    CHECK(f.dp->tx[1].n == 0);
    CHECK(f.dp->tx[2].n == 1);
    CHECK(rte_mbuf_refcnt_read(m) == 1);
    flush_all(*f.dp, f.snap);

    f.port(2).admin_up = false;
    m = frame(kBroadcast, kMacA);
    f.run_burst(0, &m, 1, d);
    CHECK(drops(f.port(0), DropReason::kNoDestination) == 1);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("unicast to a port that is down is dropped and counted on that port") {
    Fixture f;
    f.fdb.learn(kMacB, 0, 1, 0);
    f.port(1).admin_up = false;
    std::vector<rte_mbuf*> pkts = {frame(kMacB, kMacA), frame(kMacB, kMacA), frame(kMacB, kMacA)};
    BurstDecisions d;
    f.run_burst(0, pkts.data(), 3, d);
    flush_all(*f.dp, f.snap);
    CHECK(drops(f.port(1), DropReason::kPortDown) == 3);
    CHECK(f.port(1).counters[0].tx_packets.get() == 0);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("a full TX buffer is sent at once; the rest waits for the end of the round") {
    Fixture f;
    f.fdb.learn(kMacB, 0, 1, 0);
    for (int round = 0; round < 2; ++round) {
        std::vector<rte_mbuf*> pkts;
        for (int i = 0; i < 20; ++i) pkts.push_back(frame(kMacB, kMacA));
        BurstDecisions d;
        f.run_burst(0, pkts.data(), 20, d);
    }
    CHECK(f.port(1).counters[0].tx_packets.get() == kBurst);  // 40 frames: one full burst sent
    CHECK(f.dp->tx[1].n == 40 - kBurst);
    flush_all(*f.dp, f.snap);
    CHECK(f.port(1).counters[0].tx_packets.get() == 40);
    CHECK(f.dp->n_pending == 0);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

namespace {

// A frame with an 802.1Q tag (pcp, vid) after the MACs.
rte_mbuf* tagged_frame(Mac dst, Mac src, uint8_t pcp, uint16_t vid, uint16_t len = 68) {
    rte_mbuf* m = frame(dst, src, len);
    uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
    p[12] = 0x81;
    p[13] = 0x00;
    p[14] = static_cast<uint8_t>(pcp << 5 | vid >> 8);
    p[15] = static_cast<uint8_t>(vid & 0xff);
    p[16] = 0x08;  // IPv4 inside
    p[17] = 0x00;
    return m;
}

// The bytes a frame will leave with (all segments).
std::vector<uint8_t> wire(const rte_mbuf* m) {
    std::vector<uint8_t> out;
    for (; m; m = m->next) {
        const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
        out.insert(out.end(), p, p + m->data_len);
    }
    return out;
}

struct Tag {
    bool present;
    uint8_t pcp;
    uint16_t vid;
};

Tag tag_of(const std::vector<uint8_t>& w) {
    if (w.size() < 16 || w[12] != 0x81 || w[13] != 0x00) return {false, 0, 0};
    return {true, static_cast<uint8_t>(w[14] >> 5),
            static_cast<uint16_t>((w[14] & 0xf) << 8 | w[15])};
}

}  // namespace

TEST_CASE("VLANs: a flood stays inside its VLAN and each port gets its own tagging") {
    Fixture f;
    f.set_vlan(0, VlanMode::kAccess, 10);
    f.set_vlan(1, VlanMode::kTrunk, 0, "10,20");
    f.set_vlan(2, VlanMode::kAccess, 20);
    rte_mbuf* m = frame(kBroadcast, kMacA);
    BurstDecisions d;
    decide(*f.dp, f.snap, f.port(0), &m, 1, 0, d, f.remote);
    REQUIRE(d.out[0] == kOutFlood);
    CHECK(d.vlan[0].vlan == 10);
    scatter(*f.dp, f.snap, f.port(0), &m, 1, d, f.remote);
    CHECK(f.dp->tx[2].n == 0);  // VLAN 20: nothing leaks
    REQUIRE(f.dp->tx[1].n == 1);
    const std::vector<uint8_t> w = wire(f.dp->tx[1].pkts[0]);
    Tag t = tag_of(w);
    CHECK(t.present);
    CHECK(t.vid == 10);
    CHECK(w.size() == 68);  // 64 + the tag
    CHECK(f.dp->vlan_floods[10].get() == 1);
    CHECK(f.fdb.lookup(kMacA, 10) == 0);  // learned in VLAN 10 only
    CHECK(f.fdb.lookup(kMacA, 0) == -1);
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("VLANs: a shared frame gets a header segment; the original bytes stay untouched") {
    Fixture f;
    f.set_vlan(0, VlanMode::kTrunk, 0, "30");
    f.set_vlan(1, VlanMode::kAccess, 30);
    f.set_vlan(2, VlanMode::kTrunk, 0);
    rte_mbuf* m = tagged_frame(kBroadcast, kMacA, 5, 30);
    const std::vector<uint8_t> original = wire(m);
    BurstDecisions d;
    f.run_burst(0, &m, 1, d);
    REQUIRE(f.dp->tx[1].n == 1);
    REQUIRE(f.dp->tx[2].n == 1);
    CHECK(f.dp->tx[2].pkts[0] == m);  // the trunk takes the frame as it came, by reference
    CHECK(wire(m) == original);
    const rte_mbuf* access = f.dp->tx[1].pkts[0];
    CHECK(access->nb_segs == 2);  // MACs in a new segment + the payload by reference
    std::vector<uint8_t> expect;  // the original without its 4-byte tag
    for (size_t i = 0; i < original.size(); ++i)
        if (i < 12 || i >= 16) expect.push_back(original[i]);
    CHECK(wire(access) == expect);  // untagged
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("VLANs: unicast is retagged in place, priority bits kept") {
    Fixture f;
    f.set_vlan(0, VlanMode::kAccess, 10);
    f.set_vlan(1, VlanMode::kNativeTagged, 5, "10");
    f.fdb.learn(kMacB, 10, 1, 0);
    rte_mbuf* m = tagged_frame(kMacB, kMacA, 6, 0);  // priority-tagged: VID 0, PCP 6
    BurstDecisions d;
    decide(*f.dp, f.snap, f.port(0), &m, 1, 0, d, f.remote);
    REQUIRE(d.out[0] == 1);
    scatter(*f.dp, f.snap, f.port(0), &m, 1, d, f.remote);
    REQUIRE(f.dp->tx[1].n == 1);
    CHECK(f.dp->tx[1].pkts[0] == m);  // edited in place: nobody else holds it
    Tag t = tag_of(wire(m));
    CHECK(t.present);
    CHECK(t.vid == 10);
    CHECK(t.pcp == 6);
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("VLANs: bad and disallowed tags are counted drops") {
    Fixture f;
    f.set_vlan(0, VlanMode::kTrunk, 0, "10");
    f.set_vlan(1, VlanMode::kAccess, 10);
    std::vector<rte_mbuf*> on_trunk = {
        tagged_frame(kBroadcast, kMacA, 0, 20),       // VLAN 20 not trunked
        frame(kBroadcast, kMacA),                     // untagged: VLAN 0, not trunked
        tagged_frame(kBroadcast, kMacA, 0, 10, 16)};  // tag cut short
    BurstDecisions d;
    f.run_burst(0, on_trunk.data(), 3, d);
    CHECK(drops(f.port(0), DropReason::kVlanNotAllowed) == 2);
    CHECK(drops(f.port(0), DropReason::kBadVlanTag) == 1);
    std::vector<rte_mbuf*> on_access = {
        tagged_frame(kBroadcast, kMacB, 0, 10)};                // tagged on access
    rte_mbuf* doubled = tagged_frame(kBroadcast, kMacB, 0, 0);  // priority tag over a tag
    rte_pktmbuf_mtod(doubled, uint8_t*)[16] = 0x81;
    rte_pktmbuf_mtod(doubled, uint8_t*)[17] = 0x00;
    on_access.push_back(doubled);
    f.run_burst(1, on_access.data(), 2, d);
    CHECK(drops(f.port(1), DropReason::kVlanNotAllowed) == 1);
    CHECK(drops(f.port(1), DropReason::kBadVlanTag) == 1);
    CHECK(f.dp->n_pending == 0);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("zero copy: frames leave in the mbufs and data buffers they arrived in") {
    Fixture f;
    f.set_vlan(0, VlanMode::kAccess, 10);
    f.set_vlan(1, VlanMode::kAccess, 10);
    f.set_vlan(2, VlanMode::kTrunk, 0);
    f.fdb.learn(kMacB, 10, 1, 0);
    rte_mbuf* uni = frame(kMacB, kMacA);
    rte_mbuf* flood = frame(kBroadcast, kMacA);
    const void* uni_data = rte_pktmbuf_mtod(uni, void*);
    const void* flood_buf = flood->buf_addr;
    const uint16_t flood_off = flood->data_off;
    rte_mbuf* pkts[2] = {uni, flood};
    BurstDecisions d;
    f.run_burst(0, pkts, 2, d);
    // Unicast between two access ports: the same mbuf, the same bytes, untouched.
    REQUIRE(f.dp->tx[1].n == 2);
    CHECK(f.dp->tx[1].pkts[0] == uni);
    CHECK(rte_pktmbuf_mtod(f.dp->tx[1].pkts[0], void*) == uni_data);
    // The flood: the access port gets the original mbuf by reference; the trunk, which needs a
    // tag, gets a 16-byte header segment chained to a clone whose data is the original buffer.
    CHECK(f.dp->tx[1].pkts[1] == flood);
    REQUIRE(f.dp->tx[2].n == 1);
    const rte_mbuf* head = f.dp->tx[2].pkts[0];
    REQUIRE(head->next != nullptr);
    CHECK(head->data_len == 16);
    CHECK(RTE_MBUF_CLONED(head->next));
    CHECK(head->next->buf_addr == flood_buf);       // the payload was not copied
    CHECK(head->next->data_off == flood_off + 12);  // it starts after the old MACs
    CHECK(rte_mbuf_refcnt_read(flood) == 2);        // the access port + the clone
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("the ingress list: a polled port's burst is received, checked and decided") {
    Fixture f;
    // net_null with copy=1 receives its zeroed dummy frame: 64 bytes from MAC 0 to MAC 0, learned
    // on the port and then found there (same_port).
    ethdev_close(f.port(0).eth);
    REQUIRE(ethdev_open("net_null0,copy=1", 1, g_pool, f.port(0).eth) == "");
    Burst b;
    RoundTime t;
    CHECK(ingress_list(*f.dp, f.snap, f.port(0), t, b) == kBurst);
    CHECK(f.port(0).counters[0].rx_packets.get() == kBurst);
    CHECK(drops(f.port(0), DropReason::kSamePort) == kBurst);
    CHECK(f.fdb.lookup(0, 0) == 0);
    // The MTU holds on every port, whatever its features: 50 bytes of payload over an MTU of 40.
    f.port(0).mtu = 40;
    CHECK(ingress_list(*f.dp, f.snap, f.port(0), t, b) == kBurst);
    CHECK(drops(f.port(0), DropReason::kOverMtu) == kBurst);
    CHECK(f.port(0).counters[0].rx_packets.get() == 2 * kBurst);
    f.port(0).admin_up = false;  // not polled at all
    CHECK(ingress_list(*f.dp, f.snap, f.port(0), t, b) == 0);
    CHECK(f.port(0).counters[0].rx_packets.get() == 2 * kBurst);
    round_end_list(*f.dp, f.snap, t);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("the end of a round flushes every TX buffer and sends the slow path's frames") {
    Fixture f;
    rte_ring* down = rte_ring_create("test_inject", 4, SOCKET_ID_ANY, RING_F_SC_DEQ);
    REQUIRE(down);
    f.dp->inject = down;
    rte_mbuf* m = frame(kBroadcast, kMacA);
    BurstDecisions d;
    f.run_burst(0, &m, 1, d);
    rte_mbuf* up = frame(kMacB, kMacA);
    up->port = 2;  // for port 2
    REQUIRE(rte_ring_enqueue(down, up) == 0);
    CHECK(f.dp->n_pending == 2);
    round_end_list(*f.dp, f.snap, RoundTime{});
    CHECK(f.dp->n_pending == 0);
    CHECK(f.port(1).counters[0].tx_packets.get() == 1);
    CHECK(f.port(2).counters[0].tx_packets.get() == 2);
    rte_ring_free(down);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

namespace {

// Port i becomes a guest whose RX ring is always full: a vhost port that is ready, with a vid
// rte_vhost has no device for (its enqueue takes nothing, and logs that it found no device).
void full_guest(Fixture& f, int i = 2) {
    Port& p = f.port(i);
    p.kind = PortKind::kVhost;
    p.vhost.vid = RTE_MAX_VHOST_DEVICE - 1;
    p.vhost.queue_pairs = 1;
    p.vhost.enabled_vrings = 1;  // vring 0: the guest-RX ring of queue pair 0
    p.vhost.ready = true;
    rte_log_set_level_pattern("lib.vhost.*", RTE_LOG_CRIT);
}

// The guest takes the k oldest frames waiting for it from worker w (rte_vhost copies, vsw frees).
void guest_takes(Port& p, uint16_t k, unsigned w = 0) {
    GuestBacklog& b = p.backlog[w];
    REQUIRE(k <= b.n);
    while (k) {
        rte_mbuf* out[kBurst];
        const uint16_t n = std::min(guest_backlog_peek(b, out), k);
        rte_pktmbuf_free_bulk(out, n);
        guest_backlog_pop(b, n);
        k = static_cast<uint16_t>(k - n);
    }
}

// A burst of n frames from port `in` to kMacC through the ingress list from the checks on, then
// the end of the round.
void burst_to_c(Fixture& f, int in, uint16_t n) {
    Burst b;
    for (uint16_t i = 0; i < n; ++i) b.pkts[i] = frame(kMacC, kMacA);
    switch_burst(*f.dp, f.snap, f.port(in), RoundTime{}, b, n);
    flush_all(*f.dp, f.snap);
}

}  // namespace

TEST_CASE("a guest whose RX ring is full: frames wait for it; beyond the bound, tx_full") {
    Fixture f;
    full_guest(f);
    f.fdb.learn(kMacC, 0, 2, 0);
    Port& guest = f.port(2);
    for (int round = 0; round < 5; ++round) {
        round_start_list(*f.dp, f.snap);  // the ring takes nothing
        burst_to_c(f, 1, kBurst);
    }
    CHECK(guest.backlog[0].n == kBacklogFrames);
    CHECK(guest.counters[0].tx_waited.get() == kBacklogFrames);
    CHECK(drops(guest, DropReason::kTxFull) == 5 * kBurst - kBacklogFrames);
    CHECK(guest.counters[0].tx_packets.get() == 0);
    CHECK(f.dp->n_backlogged == 1);
    CHECK(f.dp->backlogged[0] == 2);
    // The guest takes 40: what is left still waits, the next offer finds the ring full again.
    guest_takes(guest, 40);
    CHECK(round_start_list(*f.dp, f.snap) == 0);
    CHECK(guest.backlog[0].n == kBacklogFrames - 40);
    // Its guest disconnects: what waited is freed as port_down and the worker forgets the slot.
    guest.vhost.ready = false;
    CHECK(round_start_list(*f.dp, f.snap) == kBacklogFrames - 40);
    CHECK(guest.backlog[0].n == 0);
    CHECK(drops(guest, DropReason::kPortDown) == kBacklogFrames - 40);
    CHECK(f.dp->n_backlogged == 0);
    CHECK_FALSE(f.dp->backlog_listed[2]);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
    // Back, and down by the operator: the same.
    guest.vhost.ready = true;
    burst_to_c(f, 1, 10);
    CHECK(guest.backlog[0].n == 10);
    guest.admin_up = false;
    round_start_list(*f.dp, f.snap);
    CHECK(drops(guest, DropReason::kPortDown) == kBacklogFrames - 40 + 10);
    CHECK(f.dp->n_backlogged == 0);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("backpressure: a sender is not polled while the guest's backlog is over its mark") {
    Fixture f;
    full_guest(f);
    // Port 0 receives net_null's zeroed frames (MAC 0 to MAC 0, dropped as same_port) when polled.
    ethdev_close(f.port(0).eth);
    REQUIRE(ethdev_open("net_null0,copy=1", 1, g_pool, f.port(0).eth) == "");
    f.fdb.learn(kMacC, 0, 2, 0);
    Port& guest = f.port(2);
    Burst b;
    RoundTime t;
    burst_to_c(f, 0, kHoldMark - 1);  // under the mark: nobody is held
    burst_to_c(f, 0, 2);              // sent while under it
    CHECK(f.dp->held_on[0] == 0);
    CHECK(guest.backlog[0].n == kHoldMark + 1);
    burst_to_c(f, 0, 1);  // sent to a guest over its mark: held from the next round on
    CHECK(f.dp->held_on[0] == 3);
    CHECK(guest.backlog[0].n == kHoldMark + 2);
    CHECK(ingress_list(*f.dp, f.snap, f.port(0), t, b) == 0);  // not polled
    CHECK(f.port(0).counters[0].rx_held.get() == 1);
    CHECK(f.port(0).counters[0].rx_packets.get() == kHoldMark + 2);  // only the bursts above
    // A port that sends nothing to the guest is polled as ever.
    CHECK_FALSE(held_back(*f.dp, f.snap, 1));
    // Held until fewer than kResumeMark wait.
    guest_takes(guest, kHoldMark + 2 - kResumeMark);
    CHECK(ingress_list(*f.dp, f.snap, f.port(0), t, b) == 0);
    CHECK(f.port(0).counters[0].rx_held.get() == 2);
    guest_takes(guest, 1);
    CHECK(ingress_list(*f.dp, f.snap, f.port(0), t, b) == kBurst);  // polled again
    CHECK(f.dp->held_on[0] == 0);
    CHECK(f.port(0).counters[0].rx_held.get() == 2);
    CHECK(drops(guest, DropReason::kTxFull) == 0);  // nothing was lost
    guest.admin_up = false;
    round_start_list(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE(
    "a deleted guest: its worker forgets the slot, its senders resume, its frames are freed") {
    Fixture f;
    full_guest(f);
    f.fdb.learn(kMacC, 0, 2, 0);
    burst_to_c(f, 0, kBurst);
    burst_to_c(f, 0, 1);
    CHECK(f.dp->held_on[0] == 3);
    CHECK(f.port(2).backlog[0].n == kBurst + 1);
    // The control thread deletes port 2 and reuses its slot at once for a new guest.
    Port fresh;
    fresh.slot = 2;
    fresh.kind = PortKind::kVhost;
    f.snap.ports[2] = &fresh;
    CHECK(round_start_list(*f.dp, f.snap) == 0);  // nothing of the old port reaches the new one
    CHECK(f.dp->n_backlogged == 0);
    CHECK_FALSE(f.dp->backlog_listed[2]);
    CHECK(fresh.counters[0].tx_packets.get() == 0);
    CHECK(drops(fresh, DropReason::kPortDown) == 0);
    CHECK_FALSE(held_back(*f.dp, f.snap, 0));  // the guest it waited for is gone
    // The old port's frames are the control thread's to free (destroy_port, after the grace
    // period): the worker has not touched them.
    CHECK(f.port(2).backlog[0].n == kBurst + 1);
    CHECK(rte_mempool_in_use_count(g_pool) == kBurst + 1);
    for (GuestBacklog& b : f.port(2).backlog) guest_backlog_flush(b);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
    // A slot left empty: forgotten the same way.
    f.snap.ports[2] = &f.port(2);
    burst_to_c(f, 0, 3);
    CHECK(f.dp->n_backlogged == 1);
    f.snap.ports[2] = nullptr;
    round_start_list(*f.dp, f.snap);
    CHECK(f.dp->n_backlogged == 0);
    for (GuestBacklog& b : f.port(2).backlog) guest_backlog_flush(b);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("each worker has its own backlog for a guest, and touches no other") {
    Fixture f;
    full_guest(f);
    f.fdb.learn(kMacC, 0, 2, 0);
    auto dp1 = std::make_unique<Datapath>();
    dp1->worker = 1;
    dp1->fdb = &f.fdb;
    dp1->pool = g_pool;
    Port& guest = f.port(2);
    std::vector<rte_mbuf*> pkts;
    for (int i = 0; i < 5; ++i) pkts.push_back(frame(kMacC, kMacB));
    BurstDecisions d;
    decide(*dp1, f.snap, f.port(1), pkts.data(), 5, 0, d, f.remote);
    scatter(*dp1, f.snap, f.port(1), pkts.data(), 5, d, f.remote);
    flush_all(*dp1, f.snap);
    burst_to_c(f, 0, 3);  // worker 0's
    CHECK(guest.backlog[1].n == 5);
    CHECK(guest.backlog[0].n == 3);
    CHECK(guest.counters[1].tx_waited.get() == 5);
    guest_takes(guest, 3, 0);
    round_start_list(*f.dp, f.snap);  // worker 0 forgets its empty backlog, leaves worker 1's
    CHECK(f.dp->n_backlogged == 0);
    CHECK(guest.backlog[1].n == 5);
    CHECK(dp1->n_backlogged == 1);
    guest.admin_up = false;
    round_start_list(*dp1, f.snap);
    CHECK(drops(guest, DropReason::kPortDown, 1) == 5);
    CHECK(drops(guest, DropReason::kPortDown, 0) == 0);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("a guest that stops taking frames: its backlog is dropped and its senders resume") {
    Fixture f;
    full_guest(f);
    f.fdb.learn(kMacC, 0, 2, 0);
    f.dp->backlog_stall = 1000;
    f.dp->tsc = 5000;
    burst_to_c(f, 0, kBurst);
    burst_to_c(f, 0, 1);
    CHECK(f.dp->held_on[0] == 3);
    f.dp->tsc = 5999;
    round_start_list(*f.dp, f.snap);
    CHECK(f.port(2).backlog[0].n == kBurst + 1);  // slow, not stopped
    f.dp->tsc = 6000;
    round_start_list(*f.dp, f.snap);
    CHECK(f.port(2).backlog[0].n == 0);
    CHECK(f.port(2).backlog[0].stalled);
    CHECK(drops(f.port(2), DropReason::kTxFull) == kBurst + 1);
    CHECK_FALSE(held_back(*f.dp, f.snap, 0));
    burst_to_c(f, 0, 4);  // nothing waits for it now: dropped at once, as before backpressure
    CHECK(f.port(2).backlog[0].n == 0);
    CHECK(drops(f.port(2), DropReason::kTxFull) == kBurst + 5);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}
