#include "src/datapath/ethdev_port.h"

#include <catch2/catch.hpp>

using namespace vsw;

namespace {

// A device with `queues` TX queues opened for `workers` PMDs, as ethdev_open sets it up.
struct Device {
    EthdevState s;
    Device(uint16_t queues, unsigned workers) {
        s.tx_queues = queues;
        s.tx_shared = queues < workers;
    }
};

}  // namespace

TEST_CASE("TX queues: one per worker when there are enough, no lock") {
    const Device d(4, 2);
    const EthdevState& s = d.s;
    for (unsigned w = 0; w < 2; ++w) {
        CHECK(tx_queue_of(s, w).queue == w);
        CHECK_FALSE(tx_queue_of(s, w).locked);
    }
}

TEST_CASE("TX queues: every worker on a shared queue takes the lock, the first one too") {
    const Device d1(1, 2);
    const EthdevState& one = d1.s;  // net_af_packet with two PMDs
    CHECK(tx_queue_of(one, 0).queue == 0);
    CHECK(tx_queue_of(one, 0).locked);
    CHECK(tx_queue_of(one, 1).queue == 0);
    CHECK(tx_queue_of(one, 1).locked);
    const Device d2(2, 4);
    const EthdevState& two = d2.s;  // queue 0 for worker 0, queue 1 shared by 1..3
    CHECK_FALSE(tx_queue_of(two, 0).locked);
    for (unsigned w = 1; w < 4; ++w) {
        CHECK(tx_queue_of(two, w).queue == 1);
        CHECK(tx_queue_of(two, w).locked);
    }
}
