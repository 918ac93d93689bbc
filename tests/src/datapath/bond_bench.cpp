// What a bond costs the worker per packet, against a single dpdk port in the same run: bursts of
// 32 64-byte UDP frames of 32 flows through decide, scatter and flush (the PMD's own functions)
// between net_null ports: to one port; to a bond of two (balance-tcp: a hash per frame and a
// split of the burst; active-backup); and received on a bond member (its member stage first).
// Every case pays the same mbuf allocation and copy of the frame: "baseline" is that alone.
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "src/datapath/ethdev_port.h"
#include "src/datapath/pipeline.h"
#include "tests/support/bench.h"
#include "tests/support/test_eal.h"

using namespace vsw;

namespace {

constexpr Mac kSrc = 0x020000000001, kToPort = 0x020000000002, kToBond = 0x020000000003;
constexpr uint16_t kIn = 0, kPort = 1, kMember0 = 2, kMember1 = 3, kBond = 4, kSlots = 5;

std::vector<uint8_t> udp_frame(Mac dst, Mac src, uint16_t sport) {
    std::vector<uint8_t> f(60, 0);
    for (int i = 0; i < 6; ++i) {
        f[i] = static_cast<uint8_t>(dst >> (40 - 8 * i));
        f[6 + i] = static_cast<uint8_t>(src >> (40 - 8 * i));
    }
    f[12] = 0x08, f[14] = 0x45, f[23] = 17;
    f[26] = 10, f[29] = 1, f[30] = 10, f[33] = 2;
    f[34] = static_cast<uint8_t>(sport >> 8), f[35] = static_cast<uint8_t>(sport);
    return f;
}

struct BondSwitch {
    Fdb fdb{1024};
    Port ports[kSlots];
    PortVlan vlan = PortVlan::make(VlanMode::kTrunk, 0, {});
    PortQos qos;
    Snapshot snap;
    Datapath dp;

    BondSwitch(rte_mempool* pool, BondMode mode) {
        for (uint16_t i = 0; i < kSlots; ++i) {
            ports[i].slot = i;
            ports[i].kind = i == kBond ? PortKind::kBond : PortKind::kEthdev;
            if (i != kBond &&
                !ethdev_open("net_null" + std::to_string(i) + ",copy=0", 1, pool, ports[i].eth)
                     .empty())
                std::abort();
            snap.ports[i] = &ports[i];
            snap.vlan[i] = &vlan;
            snap.qos[i] = &qos;
        }
        ports[kBond].bond_up.store(true);
        for (uint16_t s : {kIn, kPort, kBond}) snap.flood[snap.n_flood++] = s;
        snap.role[kMember0] = snap.role[kMember1] = PortRole::kBondMember;
        auto t = std::make_unique<BondTable>();
        BondView v;
        v.slot = kBond;
        v.mode = mode;
        v.n_members = 2;
        v.member_slot = {kMember0, kMember1};
        v.distributing = 0b11;
        v.active = 0;
        for (unsigned b = 0; b < kBondBuckets; ++b) v.bucket[b] = static_cast<uint8_t>(b & 1);
        t->bonds.push_back(v);
        t->view_of[kBond] = 0;
        t->bond_of[kMember0] = t->bond_of[kMember1] = 0;
        t->member_index[kMember0] = 0;
        t->member_index[kMember1] = 1;
        snap.bonds = std::move(t);
        dp.fdb = &fdb;
        dp.pool = pool;
        fdb.learn(kToPort, 0, kPort, 0);
        fdb.learn(kToBond, 0, kBond, 0);
    }
    ~BondSwitch() {
        for (uint16_t i = 0; i < kSlots; ++i)
            if (i != kBond) ethdev_close(ports[i].eth);
    }
};

void cases(rte_mempool* pool, BondMode mode, const char* mode_name) {
    BondSwitch sw(pool, mode);
    std::vector<std::vector<uint8_t>> to_port, to_bond, from_bond;
    for (uint16_t i = 0; i < kBurst; ++i) {
        to_port.push_back(udp_frame(kToPort, kSrc, static_cast<uint16_t>(20000 + i)));
        to_bond.push_back(udp_frame(kToBond, kSrc, static_cast<uint16_t>(20000 + i)));
        from_bond.push_back(udp_frame(kToPort, 0x020000000077, static_cast<uint16_t>(20000 + i)));
    }
    rte_mbuf* pkts[kBurst];
    auto fill = [&](const std::vector<std::vector<uint8_t>>& frames) {
        if (rte_pktmbuf_alloc_bulk(pool, pkts, kBurst) != 0) std::abort();
        for (uint16_t i = 0; i < kBurst; ++i)
            std::memcpy(rte_pktmbuf_append(pkts[i], 60), frames[i].data(), 60);
    };
    Burst b;
    RoundTime t;
    auto burst = [&](Port& in) {  // received on an ordinary port
        std::memcpy(b.pkts, pkts, sizeof pkts);
        switch_burst(sw.dp, sw.snap, in, t, b, kBurst);
        flush_all(sw.dp, sw.snap);
    };
    auto member_burst = [&] {  // received on member 0: its stage, then the bond's burst
        std::memcpy(b.pkts, pkts, sizeof pkts);
        const uint16_t n = member_ingress(MemberIngress{.bond = sw.snap.bonds->bonds[0],
                                                        .member = 0,
                                                        .port = sw.ports[kMember0],
                                                        .fdb = sw.fdb},
                                          b.pkts, kBurst);
        switch_burst(sw.dp, sw.snap, sw.ports[kBond], t, b, n);
        flush_all(sw.dp, sw.snap);
    };
    char name[96];
    if (mode == BondMode::kBalanceTcp) {
        bench::run("bond: baseline (alloc, copy, free), 64 B", kBurst, [&] {
            fill(to_port);
            rte_pktmbuf_free_bulk(pkts, kBurst);
        });
        bench::run("bond: 32 flows to one dpdk port, 64 B", kBurst, [&] {
            fill(to_port);
            burst(sw.ports[kIn]);
        });
    }
    std::snprintf(name, sizeof name, "bond: 32 flows to a bond of two, %s, 64 B", mode_name);
    bench::run(name, kBurst, [&] {
        fill(to_bond);
        burst(sw.ports[kIn]);
    });
    std::snprintf(name, sizeof name, "bond: 32 flows received on a member, %s, 64 B", mode_name);
    bench::run(name, kBurst, [&] {
        fill(from_bond);
        member_burst();
    });
    uint64_t drops = 0;
    for (const auto& p : sw.ports)
        for (auto& c : p.counters[0].drops) drops += c.get();
    std::printf("bond: drops during the %s runs: %llu (0 expected)\n", mode_name,
                static_cast<unsigned long long>(drops));
}

}  // namespace

int main() {
    if (!test::init_test_eal("bond-bench")) return 1;
    rte_mempool* pool =
        rte_pktmbuf_pool_create("bench_pool", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (!pool) return 1;
    cases(pool, BondMode::kBalanceTcp, "balance-tcp");
    cases(pool, BondMode::kActiveBackup, "active-backup");
    rte_mempool_free(pool);
    return 0;
}
