// Datapath stages over real mbufs from a real mempool, with net_null ethdevs as egress ports.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstring>
#include <memory>
#include <vector>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "src/ethdev_port.h"
#include "src/pipeline.h"

using namespace vsw;
using telemetry::DropReason;

namespace {

rte_mempool* g_pool = nullptr;

constexpr Mac kMacA = 0x020000000001, kMacB = 0x020000000002, kMacC = 0x020000000003;
constexpr Mac kBroadcast = 0xffffffffffff;

rte_mbuf* frame(Mac dst, Mac src, uint16_t len = 64) {
    rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
    REQUIRE(m != nullptr);
    uint8_t* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, len));
    std::memset(p, 0, len);
    for (int i = 0; i < 6 && len >= 12; ++i) {
        p[i] = static_cast<uint8_t>(dst >> (40 - 8 * i));
        p[6 + i] = static_cast<uint8_t>(src >> (40 - 8 * i));
    }
    return m;
}

uint64_t drops(const Port& p, DropReason r, unsigned worker = 0) {
    return p.counters[worker].drops[static_cast<unsigned>(r)].get();
}

// Three ports on net_null devices in slots 0..2, all up, in one snapshot.
struct Fixture {
    Fdb fdb{64};
    std::vector<std::unique_ptr<Port>> ports;
    Snapshot snap;
    std::unique_ptr<Datapath> dp = std::make_unique<Datapath>();

    Fixture() {
        for (uint16_t i = 0; i < 3; ++i) {
            auto p = std::make_unique<Port>();
            p->slot = i;
            p->type = PortType::kDpdk;
            p->config.devargs = "net_null" + std::to_string(i) + ",copy=0";
            REQUIRE(ethdev_open(p->config.devargs, 1, g_pool, p->eth) == "");
            snap.ports[i] = p.get();
            snap.flood[snap.n_flood++] = i;
            ports.push_back(std::move(p));
        }
        dp->fdb = &fdb;
    }
    ~Fixture() {
        for (auto& p : ports) ethdev_close(p->eth);
    }
    Port& port(int i) { return *ports[static_cast<size_t>(i)]; }
};

}  // namespace

TEST_CASE("decide: classification, learning and lookup") {
    REQUIRE(rte_mempool_in_use_count(g_pool) == 0);
    Fixture f;
    f.fdb.learn(kMacB, 0, 1, 0);
    std::vector<rte_mbuf*> pkts = {
        frame(kMacB, kMacA),            // learned unicast -> slot 1
        frame(kBroadcast, kMacA),       // broadcast -> flood
        frame(kMacC, kMacA),            // unknown unicast -> flood
        frame(kMacB, kMacA, 10),        // runt -> malformed
        frame(kMacB, kBroadcast),       // multicast source -> invalid
        frame(kMacA, kMacA),            // destination learned on the ingress port -> same_port
    };
    BurstDecisions d;
    decide(*f.dp, f.snap, f.port(0), pkts.data(), static_cast<uint16_t>(pkts.size()), 5, d);
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

    scatter(*f.dp, f.snap, f.port(0), pkts.data(), static_cast<uint16_t>(pkts.size()), d);
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
    decide(*f.dp, f.snap, f.port(0), &m, 1, 0, d);
    CHECK(d.out[0] == kOutFlood);
    scatter(*f.dp, f.snap, f.port(0), &m, 1, d);
    CHECK(f.dp->tx[1].n == 1);
    CHECK(f.dp->tx[2].n == 0);
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("scatter: floods share one mbuf by reference, never back to the ingress port") {
    Fixture f;
    std::vector<rte_mbuf*> pkts = {frame(kBroadcast, kMacA), frame(kBroadcast, kMacA)};
    BurstDecisions d;
    decide(*f.dp, f.snap, f.port(0), pkts.data(), 2, 0, d);
    scatter(*f.dp, f.snap, f.port(0), pkts.data(), 2, d);
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
    decide(*f.dp, f.snap, f.port(0), &m, 1, 0, d);
    scatter(*f.dp, f.snap, f.port(0), &m, 1, d);
    CHECK(f.dp->tx[1].n == 0);
    CHECK(f.dp->tx[2].n == 1);
    CHECK(rte_mbuf_refcnt_read(m) == 1);
    flush_all(*f.dp, f.snap);

    f.port(2).admin_up = false;
    m = frame(kBroadcast, kMacA);
    decide(*f.dp, f.snap, f.port(0), &m, 1, 0, d);
    scatter(*f.dp, f.snap, f.port(0), &m, 1, d);
    CHECK(drops(f.port(0), DropReason::kNoDestination) == 1);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("unicast to a port that is down is dropped and counted on that port") {
    Fixture f;
    f.fdb.learn(kMacB, 0, 1, 0);
    f.port(1).admin_up = false;
    std::vector<rte_mbuf*> pkts = {frame(kMacB, kMacA), frame(kMacB, kMacA), frame(kMacB, kMacA)};
    BurstDecisions d;
    decide(*f.dp, f.snap, f.port(0), pkts.data(), 3, 0, d);
    scatter(*f.dp, f.snap, f.port(0), pkts.data(), 3, d);
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
        decide(*f.dp, f.snap, f.port(0), pkts.data(), 20, 0, d);
        scatter(*f.dp, f.snap, f.port(0), pkts.data(), 20, d);
    }
    CHECK(f.port(1).counters[0].tx_packets.get() == kBurst);  // 40 frames: one full burst sent
    CHECK(f.dp->tx[1].n == 40 - kBurst);
    flush_all(*f.dp, f.snap);
    CHECK(f.port(1).counters[0].tx_packets.get() == 40);
    CHECK(f.dp->n_pending == 0);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

int main(int argc, char** argv) {
    std::vector<std::string> eal = {"pipeline_test", "--no-huge", "-m", "64", "--no-pci",
                                    "--no-telemetry", "--log-level=*:error", "-l", "0",
                                    "--file-prefix=vsw-pipeline-test-" + std::to_string(::getpid())};
    std::vector<char*> eal_argv;
    for (auto& s : eal) eal_argv.push_back(s.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) return 1;
    g_pool = rte_pktmbuf_pool_create("test_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (!g_pool) return 1;
    int rc = Catch::Session().run(argc, argv);
    rte_eal_cleanup();
    return rc;
}
