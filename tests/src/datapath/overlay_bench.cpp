// What the VXLAN overlay costs the worker per packet, against plain switching in the same run:
// bursts of 32 frames through decide, scatter and flush (the PMD's own functions) between
// net_null ports: plain unicast to a local port; unicast to a MAC behind a remote VTEP
// (encapsulation into a header segment); VXLAN received on the VTEP port for a local MAC
// (decapsulation); at 64 and 1518 bytes. Every case pays the same mbuf allocation and copy of
// the frame (as a receive would): "baseline" is that alone.
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "overlay/vxlan.h"
#include "src/datapath/ethdev_port.h"
#include "src/datapath/pipeline.h"
#include "tests/support/bench.h"
#include "tests/support/test_eal.h"

using namespace vsw;

namespace {

constexpr Mac kSrc = 0x020000000001, kLocal = 0x020000000002, kRemote = 0x020000000003;
constexpr uint32_t kLocalIp = 0x0a000001, kVtepIp = 0x0a000002, kVni = 10010;
constexpr uint16_t kVlan = 10;

std::vector<uint8_t> eth_frame(Mac dst, Mac src, size_t len) {
    std::vector<uint8_t> f(len, 0);
    for (int i = 0; i < 6; ++i) {
        f[i] = static_cast<uint8_t>(dst >> (40 - 8 * i));
        f[6 + i] = static_cast<uint8_t>(src >> (40 - 8 * i));
    }
    f[12] = 0x08;  // IPv4/UDP as a guest would send
    f[14] = 0x45;
    f[23] = 17;
    return f;
}

struct Switch3 {
    Fdb fdb{1024};
    Port ports[3];
    PortVlan vlan[3];
    PortQos qos;
    VtepCounters counters;
    Snapshot snap;
    Datapath dp;

    explicit Switch3(rte_mempool* pool) {
        for (uint16_t i = 0; i < 3; ++i) {
            ports[i].slot = i;
            ports[i].kind = PortKind::kEthdev;
            if (!ethdev_open("net_null" + std::to_string(i) + ",copy=0", 1, pool, ports[i].eth)
                     .empty())
                std::abort();
            vlan[i] = PortVlan::make(VlanMode::kAccess, kVlan, {});
            snap.ports[i] = &ports[i];
            snap.vlan[i] = &vlan[i];
            snap.qos[i] = &qos;
        }
        snap.flood[0] = 0;
        snap.flood[1] = 1;
        snap.n_flood = 2;  // slot 2 is the VTEP port
        snap.role[2] = PortRole::kUnderlay;
        ports[2].mtu.store(1550);  // 1500-byte payloads + 50 bytes of VXLAN fit
        auto t = std::make_unique<OverlayTable>();
        t->uplink = 2;
        t->local_ip = kLocalIp;
        RemoteVtep v;
        v.ip = kVtepIp;
        v.resolved = true;
        v.counters = &counters;
        write_vxlan_template(v.header, 0x02000000aa00, 0x02000000bb00, kLocalIp, kVtepIp, 64);
        t->vteps.push_back(v);
        t->by_ip.emplace_back(kVtepIp, 0);
        OverlaySegment s;
        s.vlan = kVlan;
        s.vni = kVni;
        s.flood = {0};
        s.senders = {kVtepIp};
        t->segments.push_back(s);
        t->segment_of_vlan[kVlan] = 1;
        t->by_vni.emplace_back(kVni, 0);
        snap.overlay = std::move(t);
        dp.fdb = &fdb;
        dp.pool = pool;
        fdb.learn(kLocal, kVlan, 1, 0);
        fdb.set_remote(kRemote, kVlan, 0);
    }
    ~Switch3() {
        for (auto& p : ports) ethdev_close(p.eth);
    }
};

void cases(rte_mempool* pool, Switch3& sw, size_t len) {
    const std::vector<uint8_t> plain = eth_frame(kLocal, kSrc, len);
    const std::vector<uint8_t> encap = eth_frame(kRemote, kSrc, len);
    std::vector<uint8_t> decap(kVxlanOuterLen);
    write_vxlan_template(decap.data(), 0x02000000bb00, 0x02000000aa00, kVtepIp, kLocalIp, 64);
    finish_vxlan_header(decap.data(), static_cast<uint32_t>(len), kVni, 50000, 1);
    const std::vector<uint8_t> inner = eth_frame(kLocal, 0x020000000077, len);
    decap.insert(decap.end(), inner.begin(), inner.end());

    rte_mbuf* pkts[kBurst];
    auto fill = [&](const std::vector<uint8_t>& bytes) {
        if (rte_pktmbuf_alloc_bulk(pool, pkts, kBurst) != 0) std::abort();
        for (rte_mbuf* m : pkts)
            std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size())), bytes.data(),
                        bytes.size());
    };
    BurstDecisions d;
    OverlayDecisions remote;
    auto burst = [&](int in) {
        decide(sw.dp, sw.snap, sw.ports[in], pkts, kBurst, 0, d, remote);
        scatter(sw.dp, sw.snap, sw.ports[in], pkts, kBurst, d, remote);
        flush_all(sw.dp, sw.snap);
    };
    char name[96];
    std::snprintf(name, sizeof name, "overlay: baseline (alloc, copy, free), %zu B", len);
    bench::run(name, kBurst, [&] {
        fill(plain);
        rte_pktmbuf_free_bulk(pkts, kBurst);
    });
    std::snprintf(name, sizeof name, "overlay: plain unicast to a local port, %zu B", len);
    bench::run(name, kBurst, [&] {
        fill(plain);
        burst(0);
    });
    std::snprintf(name, sizeof name, "overlay: unicast to a remote VTEP (encap), %zu B", len);
    bench::run(name, kBurst, [&] {
        fill(encap);
        burst(0);
    });
    std::snprintf(name, sizeof name, "overlay: VXLAN to a local port (decap), %zu B inner", len);
    bench::run(name, kBurst, [&] {
        fill(decap);
        burst(2);
    });
}

}  // namespace

int main() {
    if (!test::init_test_eal("overlay-bench")) return 1;
    rte_mempool* pool =
        rte_pktmbuf_pool_create("bench_pool", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (!pool) return 1;
    {
        Switch3 sw(pool);
        cases(pool, sw, 60);  // 64 bytes on the wire with the FCS
        cases(pool, sw, 1514);
        const uint64_t drops = [&] {
            uint64_t n = 0;
            for (const auto& p : sw.ports)
                for (auto& c : p.counters[0].drops) n += c.get();
            return n;
        }();
        std::printf("overlay: drops during the runs: %llu (0 expected)\n",
                    static_cast<unsigned long long>(drops));
    }
    rte_mempool_free(pool);
    return 0;
}
