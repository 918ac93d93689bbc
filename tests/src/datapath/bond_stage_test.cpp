// The bond stage over real mbufs: members are net_null ports of the datapath fixture.
#include "src/datapath/bond_stage.h"

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <catch2/catch.hpp>
#include <vector>

#include "src/datapath/slow_path.h"
#include "tests/support/datapath_fixture.h"

using namespace vsw;
using namespace vsw::test;

namespace {

// Slot 3 is a bond of slots 1 and 2.
struct BondFixture : Fixture {
    Port bond;
    BondView view;

    explicit BondFixture(BondMode mode, uint32_t distributing = 0b11, int8_t active = 0) {
        bond.slot = 3;
        bond.kind = PortKind::kBond;
        view.slot = 3;
        view.mode = mode;
        view.n_members = 2;
        view.member_slot = {1, 2};
        view.distributing = distributing;
        view.active = active;
        for (unsigned b = 0; b < kBondBuckets; ++b) view.bucket[b] = static_cast<uint8_t>(b & 1);
        snap.ports[3] = &bond;
    }
    uint64_t tx(int i) { return port(i).counters[0].tx_packets.get(); }
    MemberIngress ingress(unsigned member, rte_ring* punt = nullptr) {
        return {.bond = view,
                .member = member,
                .port = port(static_cast<int>(member) + 1),
                .punt_reserved = punt != nullptr,
                .punt = punt,
                .fdb = fdb};
    }
};

// A UDP frame of flow `flow` (its source port) from kMacA.
rte_mbuf* udp_frame(uint16_t flow, Mac dst = kMacB, Mac src = kMacA) {
    rte_mbuf* m = frame(dst, src, 64);
    uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
    p[12] = 0x08, p[13] = 0x00, p[14] = 0x45, p[23] = 17;
    p[34] = static_cast<uint8_t>(flow >> 8), p[35] = static_cast<uint8_t>(flow);
    return m;
}

}  // namespace

TEST_CASE("bond transmit: balance-tcp spreads flows over the members", "[bond]") {
    BondFixture f(BondMode::kBalanceTcp);
    std::vector<rte_mbuf*> pkts;
    for (uint16_t i = 0; i < 32; ++i) pkts.push_back(udp_frame(i));
    bond_transmit(f.view, f.snap.ports, f.bond, 0, pkts.data(), 32);
    CHECK(f.tx(1) + f.tx(2) == 32);
    CHECK(f.tx(1) > 4);
    CHECK(f.tx(2) > 4);
    CHECK(f.bond.counters[0].tx_packets.get() == 32);
    CHECK(f.bond.counters[0].tx_bytes.get() == 32 * 64);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("bond transmit: active-backup and balance-slb", "[bond]") {
    SECTION("active-backup: all by the active member") {
        BondFixture f(BondMode::kActiveBackup, 0b10, 1);
        std::vector<rte_mbuf*> pkts;
        for (uint16_t i = 0; i < 16; ++i) pkts.push_back(udp_frame(i));
        bond_transmit(f.view, f.snap.ports, f.bond, 0, pkts.data(), 16);
        CHECK(f.tx(2) == 16);
        CHECK(f.tx(1) == 0);
    }
    SECTION("balance-slb: one source MAC, one member, its floods too") {
        BondFixture f(BondMode::kBalanceSlb, 0b11, 1);
        std::vector<rte_mbuf*> pkts;
        for (uint16_t i = 0; i < 16; ++i) pkts.push_back(udp_frame(i));
        bond_transmit(f.view, f.snap.ports, f.bond, 0, pkts.data(), 16);
        CHECK(((f.tx(1) == 16 && f.tx(2) == 0) || (f.tx(1) == 0 && f.tx(2) == 16)));
        const uint64_t one = f.tx(1), two = f.tx(2);
        std::vector<rte_mbuf*> floods;
        for (uint16_t i = 0; i < 8; ++i) floods.push_back(udp_frame(i, kBroadcast, kMacA));
        bond_transmit(f.view, f.snap.ports, f.bond, 0, floods.data(), 8);
        // The same member as its unicast: the partner switch sees the MAC on one link.
        CHECK(f.tx(1) == one + (one ? 8 : 0));
        CHECK(f.tx(2) == two + (two ? 8 : 0));
    }
    SECTION("no member distributing: dropped as port_down on the bond") {
        BondFixture f(BondMode::kBalanceTcp, 0, -1);
        rte_mbuf* m = udp_frame(1);
        bond_transmit(f.view, f.snap.ports, f.bond, 0, &m, 1);
        CHECK(drops(f.bond, DropReason::kPortDown) == 1);
        CHECK(f.tx(1) + f.tx(2) == 0);
    }
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("member ingress: what a bond takes from each member", "[bond]") {
    SECTION("a member that is not collecting gives nothing") {
        BondFixture f(BondMode::kBalanceTcp, 0b01);
        rte_mbuf* m = udp_frame(1);
        CHECK(member_ingress(f.ingress(1), &m, 1) == 0);
        CHECK(drops(f.port(2), DropReason::kBondInactive) == 1);
        CHECK(f.port(2).counters[0].rx_packets.get() == 1);
    }
    SECTION("active-backup: the backup member's frames are dropped") {
        BondFixture f(BondMode::kActiveBackup, 0b11, 0);
        rte_mbuf* pkts[2] = {udp_frame(1), udp_frame(2)};
        CHECK(member_ingress(f.ingress(0), pkts, 1) == 1);
        CHECK(member_ingress(f.ingress(1), pkts + 1, 1) == 0);
        CHECK(drops(f.port(2), DropReason::kBondBackup) == 1);
        rte_pktmbuf_free(pkts[0]);
    }
    SECTION("balance-slb: floods from the active member only, no reflections") {
        BondFixture f(BondMode::kBalanceSlb, 0b11, 0);
        f.fdb.learn(kMacC, 0, 0, 0);  // a local guest on port 0
        rte_mbuf* pkts[4] = {udp_frame(1, kBroadcast, kMacA), udp_frame(2, kBroadcast, kMacA),
                             udp_frame(3, kMacA, kMacC), udp_frame(4, kMacC, kMacA)};
        CHECK(member_ingress(f.ingress(0), pkts, 1) == 1);      // the active member's flood
        CHECK(member_ingress(f.ingress(1), pkts + 1, 1) == 0);  // the other's
        CHECK(drops(f.port(2), DropReason::kBondBackup) == 1);
        CHECK(member_ingress(f.ingress(1), pkts + 2, 1) == 0);  // our guest's MAC coming back
        CHECK(drops(f.port(2), DropReason::kBondReflected) == 1);
        CHECK(member_ingress(f.ingress(1), pkts + 3, 1) == 1);  // unicast from outside: taken
        rte_pktmbuf_free(pkts[0]);
        rte_pktmbuf_free(pkts[3]);
    }
    SECTION("link-local frames go up with the member's slot, whatever its state") {
        rte_ring* punt =
            rte_ring_create_elem("bond_punt", sizeof(Punt), 8, SOCKET_ID_ANY, RING_F_SC_DEQ);
        REQUIRE(punt != nullptr);
        BondFixture f(BondMode::kBalanceTcp, 0);  // nobody collecting
        rte_mbuf* m = frame(0x0180c2000002, kMacA);
        CHECK(member_ingress(f.ingress(1, punt), &m, 1) == 0);
        Punt p;
        REQUIRE(rte_ring_sc_dequeue_elem(punt, &p, sizeof(Punt)) == 0);
        CHECK(p.slot == 2);
        CHECK(p.reason == PuntReason::kReservedMulticast);
        CHECK(f.port(2).counters[0].to_control.get() == 1);
        rte_pktmbuf_free(p.frame);
        rte_ring_free(punt);
    }
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("backpressure: a bond's members are not polled while the bond's frames wait for a guest",
          "[bond]") {
    BondFixture f(BondMode::kBalanceTcp);
    auto table = std::make_unique<BondTable>();
    table->bonds = {f.view};
    table->bond_of[1] = table->bond_of[2] = 0;
    table->member_index[1] = 0;
    table->member_index[2] = 1;
    table->view_of[3] = 0;
    f.snap.bonds = std::move(table);
    f.snap.role[1] = f.snap.role[2] = PortRole::kBondMember;
    // Frames the bond sent wait in port 0's backlog (a guest's ring that is full), over the mark.
    std::vector<rte_mbuf*> waiting;
    for (uint16_t i = 0; i < kHoldMark; ++i) waiting.push_back(udp_frame(i));
    guest_backlog_push(f.port(0).backlog[0], waiting.data(), kHoldMark, f.port(0).counters[0]);
    f.dp->held_on[3] = 1;  // the bond, held on slot 0 (as hold_if_backlogged marks it)
    Burst b;
    RoundTime t;
    CHECK(ingress_list(*f.dp, f.snap, f.port(1), t, b) == 0);
    CHECK(ingress_list(*f.dp, f.snap, f.port(2), t, b) == 0);
    CHECK(f.port(1).counters[0].rx_held.get() == 1);
    CHECK(f.port(2).counters[0].rx_held.get() == 1);
    CHECK(f.port(1).counters[0].rx_packets.get() == 0);
    guest_backlog_flush(f.port(0).backlog[0]);  // the guest took them
    CHECK_FALSE(held_back(*f.dp, f.snap, 3));
    CHECK(f.dp->held_on[3] == 0);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}
