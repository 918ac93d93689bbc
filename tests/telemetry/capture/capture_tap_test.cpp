#include "telemetry/capture/capture_tap.h"

#include <rte_ring.h>

#include "telemetry/capture/capture_filter.h"
#include "tests/support/capture_tap.h"
#include "tests/support/datapath_fixture.h"

using namespace vsw;
using namespace vsw::test;

TEST_CASE("a captured frame is a byte copy with its time, length and direction in front") {
    Tap t(64, 63, 100);
    rte_mbuf* f = frame(kMacB, kMacA, 300);
    rte_pktmbuf_mtod(f, uint8_t*)[99] = 0x5a;
    capture_burst(t.tap, 0, &f, 1, kCaptureRx, 12345);
    rte_mbuf* c = t.take();
    REQUIRE(c != nullptr);
    CHECK(c->pool == t.tap.pool);  // never the switch's mbufs
    const auto* meta = rte_pktmbuf_mtod(c, const CaptureMeta*);
    CHECK(meta->tsc == 12345);
    CHECK(meta->orig_len == 300);
    CHECK(meta->direction == kCaptureRx);
    CHECK(c->pkt_len == sizeof(CaptureMeta) + 100);  // cut to the snap length
    CHECK(rte_pktmbuf_mtod_offset(c, const uint8_t*, sizeof(CaptureMeta))[99] == 0x5a);
    CHECK(rte_mbuf_refcnt_read(f) == 1);  // the original is untouched and still the caller's
    CHECK(t.tap.w[0].copied.get() == 1);
    rte_pktmbuf_free(c);
    rte_pktmbuf_free(f);
}

TEST_CASE("a full capture ring or an empty capture pool costs copies, counted, never frames") {
    Tap t(8, 20);  // ring holds 7, pool 20
    rte_mbuf* burst[kBurst];
    for (auto& m : burst) m = frame(kMacB, kMacA);
    capture_burst(t.tap, 1, burst, kBurst, kCaptureTx, 1);
    CHECK(t.tap.w[1].copied.get() == 7);
    CHECK(t.tap.w[1].no_mbufs.get() == kBurst - 20);
    CHECK(t.tap.w[1].ring_full.get() == 20 - 7);
    CHECK(rte_mempool_in_use_count(t.tap.pool) == 7);  // the dropped copies went back
    for (auto* m : burst) CHECK(rte_mbuf_refcnt_read(m) == 1);
    rte_pktmbuf_free_bulk(burst, kBurst);
}

TEST_CASE("the datapath hooks copy only while a tap is set, and only its directions") {
    std::atomic<CaptureTap*> port_tap{nullptr};  // the captured port's pointer
    rte_mbuf* f = frame(kMacB, kMacA);
    capture_received(port_tap, 0, &f, 1, 1);  // no tap: nothing happens
    capture_sent(port_tap, 0, &f, 1);
    Tap rx_only(64, 63, 65535, kCaptureRx);
    port_tap.store(&rx_only.tap);
    capture_received(port_tap, 0, &f, 1, 1);
    capture_sent(port_tap, 0, &f, 1);
    CHECK(rx_only.tap.w[0].copied.get() == 1);
    rte_mbuf* c = rx_only.take();
    REQUIRE(c != nullptr);
    CHECK(rte_pktmbuf_mtod(c, const CaptureMeta*)->direction == kCaptureRx);
    rte_pktmbuf_free(c);
    Tap tx_only(64, 63, 65535, kCaptureTx);
    port_tap.store(&tx_only.tap);
    capture_received(port_tap, 0, &f, 1, 1);
    capture_sent(port_tap, 0, &f, 1);
    CHECK(tx_only.tap.w[0].copied.get() == 1);
    c = tx_only.take();
    REQUIRE(c != nullptr);
    CHECK(rte_pktmbuf_mtod(c, const CaptureMeta*)->direction == kCaptureTx);
    rte_pktmbuf_free(c);
    port_tap.store(nullptr);
    rte_pktmbuf_free(f);
}

TEST_CASE("a frame handed to a captured port is captured as sent, before the device takes it") {
    Fixture fx;
    Tap t;
    fx.port(1).capture.store(&t.tap);
    rte_mbuf* burst[3] = {frame(kMacB, kMacA, 80), frame(kMacB, kMacA, 90),
                          frame(kMacB, kMacA, 100)};
    CHECK(transmit(fx.port(1), fx.dp->worker, burst, 3) == 3);
    unsigned n = 0;
    while (rte_mbuf* c = t.take()) {
        CHECK(rte_pktmbuf_mtod(c, const CaptureMeta*)->orig_len == 80 + 10 * n);
        CHECK(rte_pktmbuf_mtod(c, const CaptureMeta*)->direction == kCaptureTx);
        rte_pktmbuf_free(c);
        ++n;
    }
    CHECK(n == 3);
    fx.port(1).capture.store(nullptr);
}

TEST_CASE("a capture filter keeps only the frames its pcap expression accepts") {
    std::string error;
    auto filter = CaptureFilter::compile("ether src 02:00:00:00:00:01", error);
    REQUIRE(filter);
    CHECK(filter->jit());  // x86-64: DPDK compiles it to native code
    Tap t;
    t.tap.filter = filter.get();
    rte_mbuf* burst[4] = {frame(kMacB, kMacA), frame(kMacA, kMacB), frame(kMacC, kMacA),
                          frame(kMacA, kMacC)};
    capture_burst(t.tap, 0, burst, 4, kCaptureRx, 1);
    CHECK(t.tap.w[0].copied.get() == 2);
    unsigned n = 0;
    while (rte_mbuf* c = t.take()) {
        CHECK(rte_pktmbuf_mtod_offset(c, const uint8_t*, sizeof(CaptureMeta))[11] ==
              0x01);  // source ...:01
        rte_pktmbuf_free(c);
        ++n;
    }
    CHECK(n == 2);
    rte_pktmbuf_free_bulk(burst, 4);
}

TEST_CASE("a filter that does not compile is refused with libpcap's reason") {
    std::string error;
    CHECK_FALSE(CaptureFilter::compile("udp prot 53", error));
    CHECK_THAT(error, Catch::Contains("filter 'udp prot 53': ") && Catch::Contains("syntax error"));
    CHECK(CaptureFilter::compile("vlan 10 and (arp or udp port 67)", error));
}
