// What a guest's 64 KB TSO frame costs the worker: the ingress check against its bytes, the
// egress step for a guest that takes TSO (the frame as it is: one more reference) and for a
// destination that does not (45 segments: header copies chained to indirect mbufs over the
// payload), per frame and per segment, over IPv4 and IPv6; and completing a partial checksum of
// a 1500-byte frame in a copy. Segments are freed again, as a transmit would.
#include <rte_mbuf.h>

#include <cstdio>
#include <vector>

#include "core/mbuf.h"
#include "src/datapath/offload_stage.h"
#include "tests/support/bench.h"
#include "tests/support/mbuf_bytes.h"
#include "tests/support/tcp_frames.h"
#include "tests/support/test_eal.h"

using namespace vsw;

namespace {

constexpr uint64_t kRxFlags = RTE_MBUF_F_RX_L4_CKSUM_NONE | RTE_MBUF_F_RX_LRO;

// A guest's frame as rte_vhost hands it over: chained 2 KB mbufs, accepted by the ingress check.
rte_mbuf* guest_frame(rte_mempool* pool, const test::TcpFrameSpec& spec, uint16_t mss) {
    rte_mbuf* m = test::chain_from(pool, test::tcp_frame(spec), {});
    if (!m) return nullptr;
    m->ol_flags = mss ? kRxFlags : RTE_MBUF_F_RX_L4_CKSUM_NONE;
    m->tso_segsz = mss;
    telemetry::PortCounters c;
    return accept_guest_offloads(&m, 1, 1500, c) == 1 ? m : nullptr;
}

void frame_cases(rte_mempool* pool, bool ipv6) {
    const uint32_t payload = 64 * 1024 - 100;
    rte_mbuf* m = guest_frame(pool, {.ipv6 = ipv6, .payload = payload}, ipv6 ? 1428 : 1448);
    if (!m) return;
    const uint16_t segments = wire_packets(m);
    const char* v = ipv6 ? "IPv6" : "IPv4";
    char name[96];
    telemetry::PortCounters c;
    auto free_all = [](rte_mbuf** pkts, uint16_t n) { rte_pktmbuf_free_bulk(pkts, n); };

    std::snprintf(name, sizeof name, "offload: ingress check, 64 KB TSO %s frame", v);
    const uint64_t tx_flags = m->ol_flags;
    bench::run(name, 1, [&] {
        m->ol_flags = kRxFlags;
        accept_guest_offloads(&m, 1, 1500, c);
    });
    m->ol_flags = tx_flags;

    std::snprintf(name, sizeof name, "offload: egress to a TSO guest, 64 KB %s (as is)", v);
    bench::run(name, 1, [&] {
        mbuf_share(m, 1);
        send_prepared(EgressOffloads{true, true, true}, &m, 1, pool, c, free_all);
    });
    std::snprintf(name, sizeof name, "offload: egress without TSO, 64 KB %s, per frame", v);
    bench::run(name, 1, [&] {
        mbuf_share(m, 1);
        send_prepared(EgressOffloads{}, &m, 1, pool, c, free_all);
    });
    std::snprintf(name, sizeof name, "offload: egress without TSO, 64 KB %s, per segment (%u)", v,
                  segments);
    bench::run(name, segments, [&] {
        mbuf_share(m, 1);
        send_prepared(EgressOffloads{}, &m, 1, pool, c, free_all);
    });
    rte_pktmbuf_free(m);
}

}  // namespace

int main() {
    if (!test::init_test_eal("offload-bench")) return 1;
    rte_mempool* pool =
        rte_pktmbuf_pool_create("bench_pool", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (!pool) return 1;
    frame_cases(pool, false);
    frame_cases(pool, true);
    if (rte_mbuf* m = guest_frame(pool, {.payload = 1460 - 8, .udp = true}, 0)) {
        telemetry::PortCounters c;
        bench::run("offload: partial checksum completed, 1500 B UDP (copy)", 1, [&] {
            mbuf_share(m, 1);
            send_prepared(EgressOffloads{}, &m, 1, pool, c,
                          [](rte_mbuf** pkts, uint16_t n) { rte_pktmbuf_free_bulk(pkts, n); });
        });
        rte_pktmbuf_free(m);
    }
    rte_mempool_free(pool);
    return 0;
}
