// sFlow sampling over real mbufs: how often sflow_sample_burst samples, what each sample says
// (sample_pool, output, VLAN, header bytes), and what a full ring costs.
#include "telemetry/sflow/sflow_sampler.h"

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "tests/support/datapath_fixture.h"

using namespace vsw;
using namespace vsw::test;

namespace {

struct SamplerRig {
    Fixture f;
    SflowSampler sampler;
    SflowSampling x;
    uint64_t sent = 0;  // frames received on port 0 so far
    explicit SamplerRig(uint32_t rate, uint32_t ring = 4096, const char* name = "test_sflow")
        : sampler(ring, name) {
        REQUIRE(sampler.ok());
        x.rate = rate;
        x.flood_ports = 2;
        x.sampler[0] = &sampler;
    }
    // Receives `count` frames on port 0 (decided, sampled and freed), a burst at a time; frame i
    // is 64 + (i % 100) bytes long, so each sample tells which frame it was; every 10th frame is
    // a broadcast.
    void receive(uint64_t count) {
        for (uint64_t at = 0; at < count; at += kBurst) {
            rte_mbuf* pkts[kBurst];
            const auto n = static_cast<uint16_t>(std::min<uint64_t>(kBurst, count - at));
            for (uint16_t i = 0; i < n; ++i) {
                const uint64_t k = sent + at + i;
                pkts[i] = frame(k % 10 == 9 ? kBroadcast : kMacB, kMacA,
                                static_cast<uint16_t>(64 + k % 100));
            }
            BurstDecisions d;
            decide(*f.dp, f.snap, f.port(0), pkts, n, 0, d, f.remote);
            sflow_sample_burst(sampler, x, 0, pkts, n, d);
            rte_pktmbuf_free_bulk(pkts, n);
        }
        sent += count;
    }
    std::vector<SflowSampleRecord> taken() {
        std::vector<SflowSampleRecord> out(rte_ring_count(sampler.samples));
        if (!out.empty())
            rte_ring_sc_dequeue_bulk_elem(sampler.samples, out.data(), sizeof out[0],
                                          static_cast<unsigned>(out.size()), nullptr);
        return out;
    }
};

}  // namespace

TEST_CASE("1 in 100 at random: samples x 100 is within 3 standard deviations of the frames") {
    SamplerRig rig(100, 8192, "sflow_stats");
    constexpr uint64_t kFrames = 200000;
    rig.f.fdb.learn(kMacB, 0, 1, 0);  // unicast goes to port 1
    rig.receive(kFrames);
    const auto samples = rig.taken();
    const double expected = kFrames / 100.0;
    const double sigma = std::sqrt(kFrames * 0.01 * 0.99);
    CHECK(std::abs(static_cast<double>(samples.size()) - expected) <= 3 * sigma);
    CHECK(rig.sampler.port[0].pool == kFrames);  // every frame could have been sampled
    CHECK(rig.sampler.counters.sampled.get() == samples.size());
    uint32_t last_pool = 0;
    for (const auto& s : samples) {
        // sample_pool counts the frames up to this one: its length tells which frame it was.
        CHECK((s.sample_pool - 1) % 100 == s.frame_length - 64);
        CHECK(s.sample_pool > last_pool);
        last_pool = s.sample_pool;
        const bool flood = (s.sample_pool - 1) % 10 == 9;
        CHECK(s.output_format == (flood ? 2u : 0u));
        CHECK(s.output_value == 2u);  // two ports flooded, or port 1 (ifIndex 2)
        CHECK(s.has_vlan == 1);
        CHECK(s.header_len == std::min<uint32_t>(128, s.frame_length));
        CHECK(s.drops == 0);
    }
}

TEST_CASE("sampling=1 takes every frame; a new rate is drawn at once") {
    SamplerRig rig(100000, 4096, "sflow_every");
    rig.receive(50);  // a countdown drawn for 1 in 100000: most likely nothing yet
    rig.taken();
    rig.x.rate = 1;
    rig.receive(40);
    const auto samples = rig.taken();
    REQUIRE(samples.size() == 40);
    for (uint32_t i = 0; i < 40; ++i) CHECK(samples[i].sample_pool == 51 + i);
}

TEST_CASE("a full ring loses samples, counted as the port's drops in the samples that follow") {
    SamplerRig rig(1, 64, "sflow_full");
    rig.receive(100);
    CHECK(rig.sampler.counters.sampled.get() == 63);  // a ring of 64 holds 63
    CHECK(rig.sampler.counters.lost.get() == 37);
    CHECK(rig.sampler.port[0].drops == 37);
    rig.taken();
    rig.receive(1);
    const auto next = rig.taken();
    REQUIRE(next.size() == 1);
    CHECK(next[0].drops == 37);
    CHECK(next[0].sample_pool == 101);
}

TEST_CASE("the gap between samples averages N and stays within 1..2N-1") {
    uint64_t sum = 0;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (int i = 0; i < 100000; ++i) {
        const uint32_t g = sflow_next_gap(1000);
        sum += g;
        lo = std::min(lo, g);
        hi = std::max(hi, g);
    }
    CHECK(lo >= 1);
    CHECK(hi <= 1999);
    CHECK(std::abs(static_cast<double>(sum) / 100000 - 1000) < 10);  // sd of the mean is ~1.8
    CHECK(sflow_next_gap(1) == 1);
}
