#include <catch2/catch.hpp>

#include "telemetry/per_worker.h"
#include "telemetry/pmd_stats.h"
#include "telemetry/port_counters.h"

using namespace vsw::telemetry;
using vsw::DropReason;

TEST_CASE("per-worker counter blocks sum into totals") {
    PortCounters w0, w1;
    w0.rx_packets.add(3);
    w0.rx_bytes.add(300);
    w1.rx_packets.add(2);
    w1.tx_packets.add(7);
    w0.drop(DropReason::kMalformed);
    w1.drop(DropReason::kMalformed, 2);
    w1.drop(DropReason::kPortDown, 5);
    PortCountersTotal t;
    t.accumulate(w0);
    t.accumulate(w1);
    CHECK(t.rx_packets == 5);
    CHECK(t.rx_bytes == 300);
    CHECK(t.tx_packets == 7);
    CHECK(t.drops[static_cast<unsigned>(DropReason::kMalformed)] == 3);
    CHECK(t.drops[static_cast<unsigned>(DropReason::kPortDown)] == 5);
    CHECK(t.total_drops() == 8);
}

TEST_CASE("counter blocks do not share cache lines between workers") {
    CHECK(alignof(PortCounters) == 64);
    CHECK(sizeof(PortCounters) % 64 == 0);
    CHECK(alignof(PmdStats) == 64);
}

TEST_CASE("cycles per packet") {
    CHECK(cycles_per_packet(1000, 10) == Approx(100.0));
    CHECK(cycles_per_packet(1000, 0) == 0.0);
}

TEST_CASE("PerWorker sums one field over every worker's block") {
    struct Block {
        Counter a, b;
    };
    PerWorker<Block> w;
    w[0].a.add(3);
    w[vsw::kMaxWorkers - 1].a.add(4);
    w[1].b.add(5);
    CHECK(w.sum(&Block::a) == 7);
    CHECK(w.sum(&Block::b) == 5);
}
