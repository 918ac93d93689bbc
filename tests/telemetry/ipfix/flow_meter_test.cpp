// IPFIX metering over real mbufs: what meter_burst puts in the cache and hands to the ring.
#include "telemetry/ipfix/flow_meter.h"

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "tests/support/datapath_fixture.h"

using namespace vsw;
using namespace vsw::test;
using telemetry::FlowEndReason;
using telemetry::FlowRecord;

namespace {

// An IPv4/UDP frame from A to B with source port `sport`.
rte_mbuf* udp_frame(uint16_t sport, uint16_t len = 64) {
    rte_mbuf* m = frame(kMacB, kMacA, len);
    uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
    p[12] = 0x08;
    p[13] = 0x00;
    p[14] = 0x45;
    p[16] = 0;
    p[17] = static_cast<uint8_t>(len - 14);
    p[23] = 17;
    p[34] = static_cast<uint8_t>(sport >> 8);
    p[35] = static_cast<uint8_t>(sport);
    return m;
}

struct MeterRig {
    Fixture f;
    FlowMeter meter;
    FlowExport x;
    explicit MeterRig(uint32_t ring_records = 1024, const char* name = "test_flows")
        : meter(4096, ring_records, name) {
        REQUIRE(meter.ok());
        x.meter[0] = &meter;
    }
    ~MeterRig() {
        meter_flush(meter, [](const FlowRecord&) {});
    }
    // Receives `count` frames made by make(i) on port 0, a burst at a time (decide only:
    // metering looks at its decisions), meters and frees them.
    template <class Make>
    void receive(int count, Make make, uint64_t now_ms = 0) {
        for (int at = 0; at < count; at += kBurst) {
            rte_mbuf* pkts[kBurst];
            const uint16_t n = static_cast<uint16_t>(std::min<int>(kBurst, count - at));
            for (uint16_t i = 0; i < n; ++i) pkts[i] = make(at + i);
            BurstDecisions d;
            decide(*f.dp, f.snap, f.port(0), pkts, n, 0, d, f.remote);
            meter_burst(meter, x, f.port(0).ifindex(), pkts, n, d, now_ms);
            rte_pktmbuf_free_bulk(pkts, n);
        }
    }
    std::vector<FlowRecord> take() {
        std::vector<FlowRecord> out(rte_ring_count(meter.records));
        if (!out.empty())
            rte_ring_sc_dequeue_bulk_elem(meter.records, out.data(), sizeof(FlowRecord),
                                          static_cast<unsigned>(out.size()), nullptr);
        return out;
    }
};

}  // namespace

TEST_CASE("meter_burst: classified frames are metered per flow, the others counted ignored") {
    MeterRig rig;
    // The last frame is shorter than an Ethernet header: never classified.
    rig.receive(
        11,
        [](int i) {
            return i < 10 ? udp_frame(static_cast<uint16_t>(1000 + i % 2), 100)
                          : frame(kMacB, kMacA, 10);
        },
        5);
    CHECK(rig.meter.counters.metered.get() == 10);
    CHECK(rig.meter.counters.ignored_packets.get() == 1);
    CHECK(rig.meter.counters.ignored_octets.get() == 10);
    CHECK(rig.meter.cache.size() == 2);
    meter_flush(rig.meter, [&](const FlowRecord& r) {
        CHECK(r.c.packets == 5);
        CHECK(r.c.l2_octets == 500);
        CHECK(r.c.ip_octets == 5 * 86);
        CHECK(r.key.in_port == 1);  // slot 0's ifindex
        CHECK(r.reason == FlowEndReason::kForced);
    });
}

TEST_CASE("a guest's TSO frame is metered as the segments it stands for on a wire") {
    MeterRig rig;
    rig.receive(1, [](int) {
        rte_mbuf* m = udp_frame(7, 1454);  // 14 + 20 + 8 + 1412: laid out as TCP below
        uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
        p[16] = 1454 >> 8;  // IPv4 total length 1440
        p[17] = (1454 - 14) & 0xff;
        p[23] = 6;
        m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4;
        m->l2_len = 14;
        m->l3_len = 20;
        m->l4_len = 20;
        m->tso_segsz = 500;  // 1400 payload bytes: 3 segments
        return m;
    });
    meter_flush(rig.meter, [&](const FlowRecord& r) {
        CHECK(r.c.packets == 3);
        CHECK(r.c.l2_octets == 1454 + 2 * 54);
        CHECK(r.c.ip_octets == 1440 + 2 * 40);
    });
}

TEST_CASE("meter_expire hands ended flows to the ring; a full ring loses them, counted") {
    MeterRig rig(/*ring_records=*/8, "test_flows_small");  // the ring holds 7
    rig.receive(20, [](int i) { return udp_frame(static_cast<uint16_t>(2000 + i)); });
    rig.x.timeouts.idle_ms = 1000;
    meter_expire(rig.meter, rig.x, 5000, 1u << 20);
    const auto records = rig.take();
    CHECK(records.size() == 7);
    CHECK(rig.meter.counters.records.get() == 20);
    CHECK(rig.meter.counters.lost_records.get() == 13);
    CHECK(rig.meter.counters.lost_packets.get() == 13);
    CHECK(rig.meter.counters.lost_octets.get() == 13 * 64);
    for (const auto& r : records) CHECK(r.reason == FlowEndReason::kIdle);
    CHECK(rig.meter.cache.size() == 0);
}

TEST_CASE("meter_tick: the whole cache looked at every kSweepMs, nothing within a millisecond") {
    MeterRig rig;
    rig.x.timeouts.idle_ms = 1000;
    rig.receive(
        20, [](int i) { return udp_frame(static_cast<uint16_t>(2000 + i)); }, 0);
    meter_tick(rig.meter, rig.x, 5000);  // the first look after a long while: a whole sweep
    CHECK(rig.take().size() == 20);
    rig.receive(
        20, [](int i) { return udp_frame(static_cast<uint16_t>(3000 + i)); }, 5000);
    meter_tick(rig.meter, rig.x, 5999);  // a whole sweep: none idle yet
    CHECK(rig.take().empty());
    for (int k = 0; k < 1000; ++k) meter_tick(rig.meter, rig.x, 6000);  // one look, 1 ms worth
    const auto first = rig.take().size();
    CHECK(first < 20);  // a 100th of the cache (4096 flows: about 41 entries)
    CHECK(rig.meter.cache.size() == 20 - first);
    for (uint64_t ms = 6001; ms <= 6000 + kSweepMs; ++ms) meter_tick(rig.meter, rig.x, ms);
    CHECK(first + rig.take().size() == 20);  // every entry looked at within kSweepMs
    CHECK(rig.meter.cache.size() == 0);
}

TEST_CASE("sampling: every N-th frame, or 1 in N at random") {
    SECTION("deterministic") {
        MeterRig rig;
        rig.x.sampling = 4;
        rig.receive(4000, [](int) { return udp_frame(7); });
        CHECK(rig.meter.counters.metered.get() == 1000);
        CHECK(rig.meter.counters.not_sampled.get() == 3000);
    }
    SECTION("random") {
        MeterRig rig;
        rig.x.sampling = 4;
        rig.x.sampling_random = true;
        rig.receive(40000, [](int) { return udp_frame(7); });
        const uint64_t metered = rig.meter.counters.metered.get();
        // Binomial(40000, 1/4): mean 10000, standard deviation about 87; 6 sigma either side.
        CHECK(metered > 10000 - 520);
        CHECK(metered < 10000 + 520);
        CHECK(metered + rig.meter.counters.not_sampled.get() == 40000);
    }
}

TEST_CASE("a burst's consecutive frames of one flow update the cache once, as frame by frame") {
    MeterRig rig;
    // 32 frames: runs of 1000, 1000, 1001, then 1000 again (a second run of the first flow).
    const auto sport = [](int i) {
        return static_cast<uint16_t>(i < 20 ? 1000 : i < 26 ? 1001 : 1000);
    };
    rig.receive(
        32, [&](int i) { return udp_frame(sport(i), static_cast<uint16_t>(64 + i)); }, 7);
    CHECK(rig.meter.counters.metered.get() == 32);
    CHECK(rig.meter.cache.size() == 2);
    uint64_t packets[2] = {}, octets[2] = {};
    meter_flush(rig.meter, [&](const FlowRecord& r) {
        const int flow = r.key.src_port - 1000;
        REQUIRE((flow == 0 || flow == 1));
        packets[flow] = r.c.packets;
        octets[flow] = r.c.l2_octets;
        CHECK(r.c.first_ms == 7);
    });
    uint64_t want_octets[2] = {};
    for (int i = 0; i < 32; ++i) want_octets[sport(i) - 1000] += 64 + i;
    CHECK(packets[0] == 26);
    CHECK(packets[1] == 6);
    CHECK(octets[0] == want_octets[0]);
    CHECK(octets[1] == want_octets[1]);
}

TEST_CASE("a FIN ends its run: the flow's later frames in the burst start a new record") {
    MeterRig rig;
    rig.receive(10, [](int i) {
        rte_mbuf* m = udp_frame(7, 80);
        uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
        p[23] = 6;                     // TCP
        p[47] = i == 3 ? 0x11 : 0x10;  // the 4th frame: FIN|ACK, the others ACK
        return m;
    });
    const auto ended = rig.take();
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].reason == FlowEndReason::kEndDetected);
    CHECK(ended[0].c.packets == 4);
    CHECK(ended[0].c.tcp_flags == 0x11);
    uint64_t rest = 0;
    meter_flush(rig.meter, [&](const FlowRecord& r) {
        rest += r.c.packets;
        CHECK(r.c.tcp_flags == 0x10);
    });
    CHECK(rest == 6);
}
