// The offload stage over real mbufs (runs inside pipeline_tests, which sets up the EAL): what a
// guest's offload requests become at ingress, and what each kind of destination gets.
#include "src/datapath/offload_stage.h"

#include <rte_mbuf.h>

#include <catch2/catch.hpp>
#include <vector>

#include "core/mbuf.h"
#include "src/datapath/pipeline.h"
#include "tests/support/capture_tap.h"
#include "tests/support/datapath_fixture.h"
#include "tests/support/mbuf_chain.h"
#include "tests/support/tcp_frames.h"

using namespace vsw;
using namespace vsw::test;

namespace {

// A frame as rte_vhost (compliant mode) hands over a guest's TSO frame, or with `mss` 0 a frame
// with a partial checksum.
rte_mbuf* from_guest(const TcpFrameSpec& spec, uint16_t mss, std::vector<size_t> cuts = {}) {
    rte_mbuf* m = chain(tcp_frame(spec), std::move(cuts));
    m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_NONE | (mss ? RTE_MBUF_F_RX_LRO : 0);
    m->tso_segsz = mss;
    return m;
}

uint64_t bad_offloads(const telemetry::PortCounters& c) {
    return c.drops[static_cast<unsigned>(DropReason::kBadOffload)].get();
}

// What send_prepared() hands on, each as bytes.
struct Sent {
    std::vector<rte_mbuf*> frames;
    auto sender() {
        return [this](rte_mbuf** pkts, uint16_t n) { frames.insert(frames.end(), pkts, pkts + n); };
    }
    ~Sent() {
        for (rte_mbuf* m : frames) rte_pktmbuf_free(m);
    }
};

}  // namespace

TEST_CASE("a guest's TSO frame gets its TX metadata from its own bytes") {
    rte_mbuf* pkts[2] = {from_guest({.tagged = true, .tcp_options = 12, .payload = 20000}, 1448),
                         from_guest({.ipv6 = true, .payload = 500, .udp = true}, 0)};
    telemetry::PortCounters c;
    REQUIRE(offloads_requested(pkts, 2));
    REQUIRE(accept_guest_offloads(pkts, 2, 1500, c) == 2);
    CHECK(pkts[0]->ol_flags ==
          (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4));
    CHECK((pkts[0]->l2_len == 18 && pkts[0]->l3_len == 20 && pkts[0]->l4_len == 32));
    CHECK(pkts[0]->tso_segsz == 1448);
    CHECK(wire_packets(pkts[0]) == 14);  // 20000 / 1448, rounded up
    CHECK(wire_bytes(pkts[0]) == pkts[0]->pkt_len + 13u * (18 + 20 + 32));
    CHECK(pkts[1]->ol_flags == (RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IPV6));
    CHECK(bad_offloads(c) == 0);
    rte_pktmbuf_free_bulk(pkts, 2);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE(
    "offload requests a frame does not bear out are dropped as bad_offload, never passed on") {
    std::vector<rte_mbuf*> bad = {
        from_guest({.payload = 3000, .udp = true}, 1448),   // TSO of UDP
        from_guest({.payload = 3000}, 1),                   // a 1-byte segment size
        from_guest({.payload = 3000}, 65535),               // beyond the MTU
        from_guest({.payload = 64 * 100 + 1}, 100),         // 65 segments
        from_guest({.ipv6 = true, .payload = 3000}, 1448),  // made an IPv6 extension header below
        from_guest({.tagged = true, .payload = 3000}, 0),   // made QinQ below
        from_guest({.payload = 3000}, 1448),                // made a fragment below
    };
    rte_pktmbuf_mtod(bad[4], uint8_t*)[14 + 6] = 0;     // hop-by-hop
    rte_pktmbuf_mtod(bad[5], uint8_t*)[16] = 0x81;      // inner 802.1Q
    rte_pktmbuf_mtod(bad[6], uint8_t*)[14 + 6] = 0x20;  // MF
    rte_mbuf* good = from_guest({.payload = 3000}, 1448);
    bad.push_back(good);
    telemetry::PortCounters c;
    const auto n = accept_guest_offloads(bad.data(), static_cast<uint16_t>(bad.size()), 1500, c);
    CHECK(n == 1);
    CHECK(bad[0] == good);
    CHECK(bad_offloads(c) == 7);
    CHECK(c.rx_packets.get() == 7);  // received, then dropped
    rte_pktmbuf_free(good);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("egress: a guest that takes TSO gets the frame as it is, anyone else its segments") {
    telemetry::PortCounters accept_c, c;
    rte_mbuf* m = from_guest({.flags = 0x19, .payload = 10000}, 1000);  // ACK|PSH|FIN
    const std::vector<uint8_t> original = flat(m);
    REQUIRE(accept_guest_offloads(&m, 1, 1500, accept_c) == 1);
    mbuf_share(m, 2);  // a flood to three destinations: one reference each
    {
        Sent tso;
        send_prepared(EgressOffloads{true, true, true}, &m, 1, g_pool, c, tso.sender());
        REQUIRE(tso.frames.size() == 1);
        CHECK(tso.frames[0] == m);  // as it is: rte_vhost fills the guest's virtio-net header
    }
    Sent plain;
    send_prepared(EgressOffloads{}, &m, 1, g_pool, c, plain.sender());
    REQUIRE(plain.frames.size() == 10);
    CHECK(c.tx_segments.get() == 10);
    for (rte_mbuf* s : plain.frames) {
        const std::vector<uint8_t> b = flat(s);
        CHECK(b.size() == 14 + 20 + 20 + 1000);
        CHECK(ipv4_checksum_ok(b, 14));
        CHECK(tcp_checksum_ok(b, 14, false));
        CHECK(s->ol_flags == 0);  // a wire packet, nothing left for anybody to do
    }
    CHECK(flat(m) == original);  // the third destination's reference saw nothing change
    rte_pktmbuf_free(m);
}

TEST_CASE("egress: a partial checksum is completed for a guest without GUEST_CSUM, in a copy") {
    telemetry::PortCounters c;
    rte_mbuf* m = from_guest({.payload = 700, .udp = true}, 0);
    REQUIRE(accept_guest_offloads(&m, 1, 1500, c) == 1);
    Sent csum_ok, no_csum;
    mbuf_share(m, 1);
    send_prepared(EgressOffloads{true, false, false}, &m, 1, g_pool, c, csum_ok.sender());
    send_prepared(EgressOffloads{}, &m, 1, g_pool, c, no_csum.sender());
    REQUIRE((csum_ok.frames.size() == 1 && no_csum.frames.size() == 1));
    CHECK(csum_ok.frames[0] == m);
    CHECK(no_csum.frames[0] != m);
    CHECK(tcp_checksum_ok(flat(no_csum.frames[0]), 14, false, 17));
    CHECK(c.tx_segments.get() == 0);
}

TEST_CASE("pipeline: a TSO frame retagged for each port leaves as segments tagged for it") {
    Fixture f;
    f.set_vlan(0, VlanMode::kTrunk, 0, "10");
    f.set_vlan(1, VlanMode::kAccess, 10);             // untagged
    f.set_vlan(2, VlanMode::kNativeTagged, 5, "10");  // tagged 10
    Tap t1, t2;
    f.port(1).capture.store(&t1.tap);
    f.port(2).capture.store(&t2.tap);
    rte_mbuf* m = from_guest({.tagged = true, .payload = 4000}, 1400);  // VLAN 10, unknown unicast
    telemetry::PortCounters c;
    REQUIRE(accept_guest_offloads(&m, 1, 1500, c) == 1);
    BurstDecisions d;
    f.run_burst(0, &m, 1, d);
    flush_all(*f.dp, f.snap);
    for (auto [tap, tagged] : {std::pair{&t1, false}, std::pair{&t2, true}}) {
        unsigned segments = 0;
        while (rte_mbuf* copy = tap->take()) {
            rte_pktmbuf_adj(copy, sizeof(CaptureMeta));
            const std::vector<uint8_t> b = flat(copy);
            const size_t l2 = tagged ? 18 : 14;
            CHECK((b[12] == 0x81) == tagged);
            CHECK(b.size() <= l2 + 20 + 20 + 1400);
            CHECK(ipv4_checksum_ok(b, l2));
            CHECK(tcp_checksum_ok(b, l2, false));
            rte_pktmbuf_free(copy);
            ++segments;
        }
        CHECK(segments == 3);
    }
    CHECK(f.port(1).counters[0].tx_segments.get() == 3);
    CHECK(f.port(2).counters[0].tx_packets.get() == 3);
    f.port(1).capture.store(nullptr);
    f.port(2).capture.store(nullptr);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("mtu: a frame over its port's MTU without a TSO request is dropped as over_mtu") {
    auto frame = [](const TcpFrameSpec& spec) { return chain(tcp_frame(spec), {}); };
    // 1450 bytes of IP packet fit mtu=1450 with or without a VLAN tag; 1451 do not.
    rte_mbuf* fits = frame({.payload = 1450 - 40});
    rte_mbuf* fits_tagged = frame({.tagged = true, .payload = 1450 - 40});
    rte_mbuf* over = frame({.payload = 1451 - 40});
    rte_mbuf* over_tagged = frame({.tagged = true, .payload = 1451 - 40});
    rte_mbuf* tso = from_guest({.payload = 8000}, 1400);
    telemetry::PortCounters c;
    REQUIRE(accept_guest_offloads(&tso, 1, 1450, c) == 1);
    rte_mbuf* pkts[] = {fits, over, fits_tagged, over_tagged, tso};
    CHECK(drop_over_mtu(pkts, 5, 1500, c) == 5);  // all fit 1500
    REQUIRE(drop_over_mtu(pkts, 5, 1450, c) == 3);
    CHECK((pkts[0] == fits && pkts[1] == fits_tagged && pkts[2] == tso));
    CHECK(c.drops[static_cast<unsigned>(DropReason::kOverMtu)].get() == 2);
    CHECK(c.rx_packets.get() == 2);  // received, then dropped
    rte_pktmbuf_free_bulk(pkts, 3);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("ingress: offload requests are checked where the port's features say; MTU on all") {
    // What the ingress list does with a received burst (checks_on_receipt, pipeline.h).
    auto burst = [] {
        return std::vector<rte_mbuf*>{from_guest({.payload = 8000}, 1400),            // TSO
                                      chain(tcp_frame({.payload = 1451 - 40}), {})};  // over 1450
    };
    telemetry::PortCounters c;
    std::vector<rte_mbuf*> pkts = burst();
    REQUIRE(checks_on_receipt(port_feature::kGuestOffloads, pkts.data(), 2, 1450, c) == 1);
    CHECK(pkts[0]->ol_flags & RTE_MBUF_F_TX_TCP_SEG);  // accepted: its TX metadata set
    CHECK(c.drops[static_cast<unsigned>(DropReason::kOverMtu)].get() == 1);
    rte_pktmbuf_free(pkts[0]);
    // Without the bit nothing reads the offload flags (such a port's guest cannot have
    // negotiated them); the MTU still holds: the frame without TX metadata is over it too.
    pkts = burst();
    CHECK(checks_on_receipt(0, pkts.data(), 2, 1450, c) == 0);
    CHECK(c.drops[static_cast<unsigned>(DropReason::kOverMtu)].get() == 3);
    CHECK(bad_offloads(c) == 0);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("mtu: a TSO request must fit the source's MTU") {
    telemetry::PortCounters c;
    // 20 + 20 bytes of headers + 1448 = 1488: beyond 1450, within 1500.
    rte_mbuf* big = from_guest({.payload = 5000}, 1448);
    rte_mbuf* small = from_guest({.payload = 5000}, 1410);
    rte_mbuf* pkts[] = {big, small};
    REQUIRE(accept_guest_offloads(pkts, 2, 1450, c) == 1);
    CHECK(pkts[0] == small);
    CHECK(bad_offloads(c) == 1);
    rte_pktmbuf_free(small);
}

TEST_CASE("mtu: each destination gets segments cut for its own MTU, or nothing too large") {
    telemetry::PortCounters in, c;
    rte_mbuf* m = from_guest({.payload = 14000}, 1448);  // 10 segments at 1500
    REQUIRE(accept_guest_offloads(&m, 1, 1500, in) == 1);
    mbuf_share(m, 3);
    {
        Sent as_is;  // a TSO guest at 1500 takes it as it is
        send_prepared(EgressOffloads{true, true, true, 1500}, &m, 1, g_pool, c, as_is.sender());
        REQUIRE(as_is.frames.size() == 1);
        CHECK(as_is.frames[0] == m);
    }
    for (const EgressOffloads& to :
         {EgressOffloads{true, true, true, 1450}, EgressOffloads{.mtu = 1450}}) {
        Sent small;  // at 1450, with or without TSO: 1410-byte segments
        send_prepared(to, &m, 1, g_pool, c, small.sender());
        REQUIRE(small.frames.size() == 10);  // 14000 / 1410, rounded up
        uint32_t payload = 0;
        for (rte_mbuf* s : small.frames) {
            const std::vector<uint8_t> b = flat(s);
            CHECK(b.size() - 14 <= 1450);
            CHECK(ipv4_checksum_ok(b, 14));
            CHECK(tcp_checksum_ok(b, 14, false));
            payload += static_cast<uint32_t>(b.size() - 54);
        }
        CHECK(payload == 14000);
    }
    Sent none;  // mtu=200: 160-byte segments, 88 of them: more than 64
    send_prepared(EgressOffloads{.mtu = 200}, &m, 1, g_pool, c, none.sender());
    CHECK(none.frames.empty());
    CHECK(c.drops[static_cast<unsigned>(DropReason::kOverMtu)].get() == 1);

    rte_mbuf* plain = chain(tcp_frame({.payload = 1460}), {});  // 1500 bytes of IP packet
    CHECK(needs_egress_step(&plain, 1, 1450));
    CHECK_FALSE(needs_egress_step(&plain, 1, 1500));
    Sent dropped;
    send_prepared(EgressOffloads{.mtu = 1450}, &plain, 1, g_pool, c, dropped.sender());
    CHECK(dropped.frames.empty());
    CHECK(c.drops[static_cast<unsigned>(DropReason::kOverMtu)].get() == 2);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("mtu: the boundaries: one tag not counted, as-is up to the MTU, 64 segments at most") {
    telemetry::PortCounters c;
    auto over_mtu = [&] { return c.drops[static_cast<unsigned>(DropReason::kOverMtu)].get(); };
    {  // a tagged frame of 1450 bytes of IP packet fits mtu=1450 at egress, 1451 do not
        rte_mbuf* fits = chain(tcp_frame({.tagged = true, .payload = 1450 - 40}), {});
        rte_mbuf* over = chain(tcp_frame({.tagged = true, .payload = 1451 - 40}), {});
        CHECK_FALSE(needs_egress_step(&fits, 1, 1450));
        CHECK(needs_egress_step(&over, 1, 1450));
        rte_mbuf* pkts[] = {fits, over};
        Sent sent;
        send_prepared(EgressOffloads{.mtu = 1450}, pkts, 2, g_pool, c, sent.sender());
        REQUIRE(sent.frames.size() == 1);
        CHECK(sent.frames[0] == fits);
        CHECK(over_mtu() == 1);
    }
    telemetry::PortCounters in;
    rte_mbuf* m = from_guest({.payload = 6400}, 1448);  // 1488 bytes of IP packet a segment
    REQUIRE(accept_guest_offloads(&m, 1, 1500, in) == 1);
    mbuf_share(m, 3);
    {
        Sent as_is, cut;
        send_prepared(EgressOffloads{true, true, true, 1488}, &m, 1, g_pool, c, as_is.sender());
        send_prepared(EgressOffloads{true, true, true, 1487}, &m, 1, g_pool, c, cut.sender());
        CHECK((as_is.frames.size() == 1 && as_is.frames[0] == m));
        CHECK(cut.frames.size() == 5);  // 6400 / 1447, rounded up
    }
    {
        Sent sixty_four, none;  // mtu=140: 100-byte segments, 64 of them; 139: 65, too many
        send_prepared(EgressOffloads{.mtu = 140}, &m, 1, g_pool, c, sixty_four.sender());
        send_prepared(EgressOffloads{.mtu = 139}, &m, 1, g_pool, c, none.sender());
        CHECK(sixty_four.frames.size() == 64);
        CHECK(none.frames.empty());
        CHECK(over_mtu() == 2);
    }
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("a device with the offloads gets the frame with headers of its own, cut to fit it") {
    telemetry::PortCounters in, c;
    rte_mbuf* m = from_guest({.tagged = true, .payload = 14000}, 1448);
    REQUIRE(accept_guest_offloads(&m, 1, 1500, in) == 1);
    mbuf_share(m, 1);  // a flood's other destination holds it too
    const std::vector<uint8_t> before = flat(m);
    // As for net_tap: its MTU counts the L2 header, so segments of at most 1482 bytes of IP.
    const EgressOffloads nic{
        .csum = true, .tso4 = true, .mtu = 1500, .device = true, .device_segment = 1482};
    Sent sent;
    send_prepared(nic, &m, 1, g_pool, c, sent.sender());
    REQUIRE(sent.frames.size() == 1);
    rte_mbuf* own = sent.frames[0];
    CHECK(own != m);
    CHECK(flat(own) == before);  // the same bytes, the headers in a first mbuf of their own
    CHECK(own->data_len == 18 + 20 + 20);
    CHECK(own->ol_flags == (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4 |
                            RTE_MBUF_F_TX_IP_CKSUM));
    CHECK((own->l2_len == 18 && own->l3_len == 20 && own->l4_len == 20));
    CHECK(own->tso_segsz == 1442);  // 1482 - 40: smaller than the guest's 1448
    CHECK(c.tx_segments.get() == 0);
    CHECK(flat(m) == before);  // the shared frame untouched

    // IPv6 TSO where the device has only IPv4's: software segments.
    rte_mbuf* v6 = from_guest({.ipv6 = true, .payload = 5000}, 1400);
    REQUIRE(accept_guest_offloads(&v6, 1, 1500, in) == 1);
    Sent cut;
    send_prepared(nic, &v6, 1, g_pool, c, cut.sender());
    CHECK(cut.frames.size() == 4);
    CHECK(c.tx_segments.get() == 4);
    // A device segment too small for 64 bytes of payload: software segments.
    rte_mbuf* v4 = from_guest({.payload = 3000}, 1400);
    REQUIRE(accept_guest_offloads(&v4, 1, 1500, in) == 1);
    CHECK_FALSE(takes_as_is(
        EgressOffloads{.tso4 = true, .mtu = 100, .device = true, .device_segment = 100}, v4));
    rte_pktmbuf_free(v4);
    rte_pktmbuf_free(m);
}

TEST_CASE("a partial checksum goes to a device that checksums with headers of its own") {
    telemetry::PortCounters in, c;
    rte_mbuf* m = from_guest({.payload = 700, .udp = true}, 0);
    REQUIRE(accept_guest_offloads(&m, 1, 1500, in) == 1);
    Sent sent;
    send_prepared(EgressOffloads{.csum = true, .device = true, .device_segment = 1500}, &m, 1,
                  g_pool, c, sent.sender());
    REQUIRE(sent.frames.size() == 1);
    CHECK(sent.frames[0]->ol_flags == (RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IPV4));
    CHECK(sent.frames[0]->l4_len == 8);
}
