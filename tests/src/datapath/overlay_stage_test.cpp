// The VXLAN overlay in the datapath over real mbufs: head-end replication, unicast to a remote
// VTEP, decapsulation and its drops (src/datapath/overlay_stage.*, overlay egress).
#include "src/datapath/overlay_stage.h"

#include <rte_ring.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "core/arp.h"
#include "core/bytes.h"
#include "overlay/vxlan.h"
#include "tests/support/datapath_fixture.h"
#include "tests/support/mbuf_bytes.h"

using namespace vsw;
using namespace vsw::test;

namespace {

constexpr uint32_t kLocalIp = 0x0a000001, kVtep0 = 0x0a000002, kVtep1 = 0x0a000003;
constexpr uint32_t kVni = 10010;
constexpr uint16_t kVlan = 10;

// Ports 0 and 1 are guests in VLAN 10 (access); port 2 is the VTEP port. Remote VTEPs 0 and 1
// are in VNI 10010's flood list; `resolved0` says whether VTEP 0's next hop is known.
struct OverlayFixture : Fixture {
    VtepCounters counters[2];
    explicit OverlayFixture(bool resolved0 = true) {
        set_vlan(0, VlanMode::kAccess, kVlan);
        set_vlan(1, VlanMode::kAccess, kVlan);
        snap.n_flood = 2;  // the VTEP port is never a flood target
        snap.role[2] = PortRole::kUnderlay;
        auto t = std::make_unique<OverlayTable>();
        t->uplink = 2;
        t->local_ip = kLocalIp;
        t->vteps.resize(2);
        for (uint16_t i = 0; i < 2; ++i) {
            RemoteVtep& v = t->vteps[i];
            v.ip = i == 0 ? kVtep0 : kVtep1;
            v.resolved = i == 1 || resolved0;
            v.counters = &counters[i];
            write_vxlan_template(v.header, 0x02000000aa00 | i, 0x02000000bb00, kLocalIp, v.ip, 64);
            t->by_ip.emplace_back(v.ip, i);
        }
        OverlaySegment s;
        s.vlan = kVlan;
        s.vni = kVni;
        s.flood = {0, 1};
        s.senders = {kVtep0, kVtep1};
        t->segments.push_back(s);
        t->segment_of_vlan[kVlan] = 1;
        t->by_vni.emplace_back(kVni, 0);
        snap.overlay = std::move(t);
    }
};

// `inner` as VTEP `from` would send it to us, in one mbuf.
rte_mbuf* from_vtep(uint32_t from, uint32_t vni, rte_mbuf* inner) {
    std::vector<uint8_t> bytes(kVxlanOuterLen);
    const std::vector<uint8_t> in = flat(inner);
    rte_pktmbuf_free(inner);
    write_vxlan_template(bytes.data(), 0x02000000bb00, 0x02000000cc00, from, kLocalIp, 64);
    finish_vxlan_header(bytes.data(), static_cast<uint32_t>(in.size()), vni, 50000, 1);
    bytes.insert(bytes.end(), in.begin(), in.end());
    rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size())), bytes.data(),
                bytes.size());
    return m;
}

// The inner frame of an encapsulated one, checked as the remote VTEP `to` would check it.
std::vector<uint8_t> decapsulated(rte_mbuf* m, uint32_t to, uint32_t& vni) {
    const std::vector<uint8_t> f = flat(m);
    VxlanFrame vx{};
    REQUIRE(check_vxlan(f.data(), f.size(), to, vx) == VxlanCheck::kOk);
    CHECK(vx.src_ip == kLocalIp);
    vni = vx.vni;
    return {f.begin() + vx.inner_offset, f.begin() + vx.inner_offset + vx.inner_len};
}

}  // namespace

TEST_CASE("overlay: a flood reaches the VLAN's local ports and every VTEP of its VNI") {
    OverlayFixture f;
    rte_mbuf* m = frame(kBroadcast, kMacA);
    const std::vector<uint8_t> original = flat(m);
    BurstDecisions d;
    f.run_burst(0, &m, 1, d);
    REQUIRE(f.dp->tx[1].n == 1);
    REQUIRE(f.dp->tx[2].n == 2);  // head-end replication: one copy per remote VTEP
    CHECK(f.dp->tx[1].pkts[0] == m);
    for (uint16_t i = 0; i < 2; ++i) {
        rte_mbuf* copy = f.dp->tx[2].pkts[i];
        CHECK(copy->nb_segs == 2);  // a header segment of its own in front of the shared frame
        CHECK(copy->data_len == kVxlanOuterLen);
        CHECK(copy->next == m);
        uint32_t vni = 0;
        CHECK(decapsulated(copy, i == 0 ? kVtep0 : kVtep1, vni) == original);
        CHECK(vni == kVni);
        CHECK(f.counters[i].w[0].encap_packets.get() == 1);
        CHECK(f.counters[i].w[0].encap_bytes.get() == original.size() + kVxlanOuterLen);
    }
    CHECK(flat(m) == original);  // the frame itself is never written
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("overlay: unicast to a remote MAC goes to its VTEP alone, untagged, within the MTU") {
    OverlayFixture f(/*resolved0=*/false);
    f.set_vlan(0, VlanMode::kTrunk, 0);
    f.fdb.set_remote(kMacC, kVlan, 1);
    f.fdb.set_remote(kMacB, kVlan, 0);  // behind VTEP 0, whose next hop is not resolved
    rte_mbuf* tagged = frame(kMacC, kMacA, 68);
    uint8_t* p = rte_pktmbuf_mtod(tagged, uint8_t*);
    put_be16(p + 12, 0x8100);
    put_be16(p + 14, kVlan);
    put_be16(p + 16, 0x0800);
    const std::vector<uint8_t> bytes = flat(tagged);
    std::vector<rte_mbuf*> pkts = {tagged,
                                   frame(kMacC, kMacA, 18 + 1451),  // tagged: 1451 + 50 > 1500
                                   frame(kMacB, kMacA)};
    for (rte_mbuf* q : {pkts[1], pkts[2]}) {  // in VLAN 10 too
        uint8_t* h = rte_pktmbuf_mtod(q, uint8_t*);
        std::memmove(h + 16, h + 12, 2);
        put_be16(h + 12, 0x8100);
        put_be16(h + 14, kVlan);
    }
    BurstDecisions d;
    f.run_burst(0, pkts.data(), 3, d);
    CHECK(d.out[0] == kOutRemote);
    CHECK(f.remote.vtep[0] == 1);
    CHECK(f.dp->tx[1].n == 0);
    REQUIRE(f.dp->tx[2].n == 1);
    uint32_t vni = 0;
    std::vector<uint8_t> inner = decapsulated(f.dp->tx[2].pkts[0], kVtep1, vni);
    std::vector<uint8_t> untagged(bytes.begin(), bytes.begin() + 12);
    untagged.insert(untagged.end(), bytes.begin() + 16, bytes.end());
    CHECK(inner == untagged);
    CHECK(vni == kVni);
    CHECK(drops(f.port(2), DropReason::kVxlanOverMtu) == 1);
    CHECK(drops(f.port(2), DropReason::kVxlanUnresolved) == 1);
    CHECK(f.counters[0].w[0].unresolved.get() == 1);
    CHECK(f.counters[0].w[0].encap_packets.get() == 0);
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("overlay: decapsulation takes only the VNI's VTEPs and never learns or loops") {
    OverlayFixture f;
    f.fdb.learn(kMacB, kVlan, 1, 0);
    f.fdb.set_remote(kMacC, kVlan, 0);
    rte_mbuf* arp = frame(kBroadcast, 0x02000000dd00, 60);
    put_be16(rte_pktmbuf_mtod(arp, uint8_t*) + 12, 0x0806);
    rte_mbuf* inner_tagged = frame(kMacB, 0x020000000077, 64);
    put_be16(rte_pktmbuf_mtod(inner_tagged, uint8_t*) + 12, 0x8100);
    std::vector<rte_mbuf*> pkts = {
        from_vtep(kVtep0, kVni, frame(kMacB, 0x020000000077)),           // to a local MAC: port 1
        from_vtep(kVtep1, kVni, frame(kBroadcast, 0x020000000078)),      // broadcast: local ports
        from_vtep(0x0a000009, kVni, frame(kMacB, 0x020000000079)),       // unannounced VTEP
        from_vtep(kVtep0, 999, frame(kMacB, 0x02000000007a)),            // no VLAN rides VNI 999
        from_vtep(kVtep0, kVni, frame(kMacC, 0x02000000007b)),           // remote MAC: no loop
        from_vtep(kVtep0, kVni, inner_tagged),                           // inner 802.1Q tag
        frame(kMacB, 0x02000000007c),                                    // not VXLAN
        arp,                                                             // no control ring here
        from_vtep(kVtep0, kVni, frame(0x0180c200000e, 0x02000000007d)),  // LLDP: link-local
    };
    const auto n = static_cast<uint16_t>(pkts.size());
    BurstDecisions d;
    f.run_burst(2, pkts.data(), n, d);
    CHECK(d.out[0] == 1);
    CHECK(d.out[1] == kOutFlood);
    CHECK(d.vlan[0].vlan == kVlan);
    CHECK(f.dp->tx[1].n == 2);  // the unicast and the broadcast
    CHECK(f.dp->tx[0].n == 1);  // the broadcast
    CHECK(f.dp->tx[2].n == 0);  // nothing back into the overlay
    CHECK(drops(f.port(2), DropReason::kVxlanUnknownVtep) == 1);
    CHECK(drops(f.port(2), DropReason::kVxlanUnknownVni) == 1);
    CHECK(drops(f.port(2), DropReason::kVxlanLoop) == 1);
    CHECK(drops(f.port(2), DropReason::kVxlanInnerTagged) == 1);
    CHECK(drops(f.port(2), DropReason::kUnderlayOther) == 2);
    CHECK(drops(f.port(2), DropReason::kReservedMulticast) == 1);
    CHECK(f.counters[0].w[0].decap_packets.get() == 4);
    CHECK(f.counters[1].w[0].decap_packets.get() == 1);
    CHECK(f.fdb.lookup(0x020000000077, kVlan) == -1);  // not learned from the overlay
    CHECK(f.fdb.lookup(0x020000000078, kVlan) == -1);
    CHECK(f.port(2).counters[0].rx_packets.get() == n);
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

namespace {

// A broadcast ARP request "who has 10.0.10.99? tell `ip`" from `src` (sender `sender`), tagged
// with `tag` if not 0.
rte_mbuf* guest_arp(Mac src, Mac sender, uint32_t ip, uint16_t tag = 0) {
    uint8_t arp[kArpFrameLen];
    build_arp_request(arp, sender, ip, 0x0a000a63);
    std::vector<uint8_t> bytes(arp, arp + kArpFrameLen);
    for (int i = 0; i < 6; ++i) bytes[6 + i] = static_cast<uint8_t>(src >> (40 - 8 * i));
    if (tag) {
        const uint8_t t[4] = {0x81, 0x00, static_cast<uint8_t>(tag >> 8),
                              static_cast<uint8_t>(tag)};
        bytes.insert(bytes.begin() + 12, t, t + 4);
    }
    rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size())), bytes.data(),
                bytes.size());
    return m;
}

}  // namespace

TEST_CASE("overlay: a guest's ARP in an overlay VLAN tells the control thread its IP") {
    OverlayFixture f;
    f.set_vlan(1, VlanMode::kTrunk, 0, "10,20");
    rte_ring* seen =
        rte_ring_create_elem("test_arp_seen", sizeof(Punt), 16, SOCKET_ID_ANY, RING_F_SC_DEQ);
    REQUIRE(seen);
    f.dp->punt = seen;
    constexpr Mac kGuest = 0x020000000a01, kOther = 0x020000000a02;
    std::vector<rte_mbuf*> pkts = {
        guest_arp(kGuest, kGuest, 0x0a000a01),  // port 0: access VLAN 10, mapped
        guest_arp(kOther, kGuest, 0x0a000a02),  // the ARP's sender is not the frame's source
        guest_arp(kOther, kOther, 0),           // an ARP probe (sender 0.0.0.0)
    };
    BurstDecisions d;
    f.run_burst(0, pkts.data(), static_cast<uint16_t>(pkts.size()), d);
    rte_mbuf* trunk[] = {guest_arp(kOther, kOther, 0x0a000a03, kVlan),  // port 1, tagged VLAN 10
                         guest_arp(kOther, kOther, 0x0a001403, 20)};    // VLAN 20: not mapped
    f.run_burst(1, trunk, 2, d);
    CHECK(d.out[0] == kOutFlood);  // the frames are switched as ever
    // The answer to an ARP is unicast: it tells too (the guest that was asked).
    f.fdb.learn(kMacB, kVlan, 0, 0);
    rte_mbuf* reply = guest_arp(kOther, kOther, 0x0a000a04, kVlan);
    uint8_t* r = rte_pktmbuf_mtod(reply, uint8_t*);
    for (int i = 0; i < 6; ++i) r[i] = static_cast<uint8_t>(kMacB >> (40 - 8 * i));
    r[4 + 21] = 2;  // opcode: reply
    f.run_burst(1, &reply, 1, d);
    CHECK(d.out[0] == 0);
    std::vector<Punt> punts(4);
    const unsigned n = rte_ring_sc_dequeue_bulk_elem(seen, punts.data(), sizeof(Punt), 3, nullptr);
    REQUIRE(n == 3);
    punts.resize(n);
    std::vector<GuestArp> got;
    for (const Punt& p : punts) {
        CHECK((p.reason == PuntReason::kGuestArp && p.frame == nullptr));  // a sighting only
        got.push_back(p.guest_arp);
    }
    CHECK((got[0].mac == kGuest && got[0].ip == 0x0a000a01 && got[0].vlan == kVlan &&
           got[0].slot == 0));
    CHECK((got[1].mac == kOther && got[1].ip == 0x0a000a03 && got[1].vlan == kVlan &&
           got[1].slot == 1));
    CHECK((got[2].mac == kOther && got[2].ip == 0x0a000a04 && got[2].slot == 1));
    CHECK(rte_ring_count(seen) == 0);
    flush_all(*f.dp, f.snap);
    rte_ring_free(seen);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}
