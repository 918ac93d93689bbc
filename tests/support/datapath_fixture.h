// Real mbufs and net_null egress ports for datapath tests (pipeline_test.cpp, mirror_test.cpp;
// one EAL, set up by pipeline_test.cpp's main).
#pragma once

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "src/datapath/ethdev_port.h"
#include "src/datapath/pipeline.h"
#include "src/datapath/port_io.h"

namespace vsw::test {

inline rte_mempool* g_pool = nullptr;

inline constexpr Mac kMacA = 0x020000000001, kMacB = 0x020000000002, kMacC = 0x020000000003;
inline constexpr Mac kBroadcast = 0xffffffffffff;

inline rte_mbuf* frame(Mac dst, Mac src, uint16_t len = 64) {
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

inline uint64_t drops(const Port& p, DropReason r, unsigned worker = 0) {
    return p.counters[worker].drops[static_cast<unsigned>(r)].get();
}

// Three ports on net_null devices in slots 0..2, all up, in one snapshot.
struct Fixture {
    Fdb fdb{64};
    std::vector<std::unique_ptr<Port>> ports;
    std::vector<std::unique_ptr<const PortVlan>> vlans;  // by port: what snap.vlan points at
    std::vector<std::unique_ptr<const PortQos>> qos;     // by port: what snap.qos points at
    Snapshot snap;
    std::unique_ptr<Datapath> dp = std::make_unique<Datapath>();
    OverlayDecisions remote;  // the overlay's part of the last burst's decisions

    Fixture() {
        for (uint16_t i = 0; i < 3; ++i) {
            auto p = std::make_unique<Port>();
            p->slot = i;
            p->kind = PortKind::kEthdev;
            REQUIRE(ethdev_open("net_null" + std::to_string(i) + ",copy=0", 1, g_pool, p->eth) ==
                    "");
            vlans.push_back(
                std::make_unique<const PortVlan>(PortVlan::make(VlanMode::kTrunk, 0, {})));
            qos.push_back(std::make_unique<const PortQos>());  // no bandwidth limits
            snap.ports[i] = p.get();
            snap.vlan[i] = vlans.back().get();
            snap.qos[i] = qos.back().get();
            snap.flood[snap.n_flood++] = i;
            ports.push_back(std::move(p));
        }
        dp->fdb = &fdb;
        dp->pool = g_pool;
    }
    // Gives port i a VLAN configuration (the snapshot sees it at once: tests are single-threaded).
    void set_vlan(int i, VlanMode mode, uint16_t tag, const std::string& trunks = "") {
        std::string err;
        auto set = parse_vlan_list(trunks, err);
        REQUIRE(set);
        vlans[static_cast<size_t>(i)] =
            std::make_unique<const PortVlan>(PortVlan::make(mode, tag, *set));
        snap.vlan[i] = vlans[static_cast<size_t>(i)].get();
    }
    ~Fixture() {
        for (auto& p : ports) {
            for (GuestBacklog& b : p->backlog) guest_backlog_flush(b);  // as the Switch does
            ethdev_close(p->eth);
        }
    }
    Port& port(int i) { return *ports[static_cast<size_t>(i)]; }
    // One burst received on port `in`: decide, then scatter into the TX buffers.
    void run_burst(int in, rte_mbuf** pkts, uint16_t n, BurstDecisions& d, uint32_t now_s = 0) {
        decide(*dp, snap, port(in), pkts, n, now_s, d, remote);
        scatter(*dp, snap, port(in), pkts, n, d, remote);
    }
};

}  // namespace vsw::test
