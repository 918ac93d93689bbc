// The guest-RX shaping queue over real mbufs (runs inside pipeline_tests, which sets up the EAL):
// what the guest cannot take stays at the head of the queue, uncharged, and goes first next.
#include "qos/shaping.h"

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <catch2/catch.hpp>
#include <vector>

#include "tests/support/datapath_fixture.h"

using namespace vsw;
using namespace vsw::test;

namespace {

constexpr uint64_t kHz = 1'000'000'000;
constexpr uint64_t kBucket = 1'000'000;  // bytes of credit when the shaper is built

// A guest-RX-shaped port's queue and a guest that takes `accept` frames per offer.
struct Queue {
    ShapingState s;
    PortQos q;
    telemetry::PortCounters c;
    std::vector<rte_mbuf*> taken;     // what the guest took, in order
    std::vector<uint16_t> first_new;  // per offer: frames offered before
    uint16_t accept = 0;

    explicit Queue(bool police = false) {
        static unsigned rings = 0;
        s.rx_queue = rte_ring_create(("shaping_test" + std::to_string(++rings)).c_str(), 64,
                                     SOCKET_ID_ANY, RING_F_SC_DEQ);
        REQUIRE(s.rx_queue != nullptr);
        q.version = 1;
        q.rx_shaped = true;
        q.rx_police = police;
        q.rx_rate = 125'000'000;
        q.rx_burst = kBucket;
        q.rx_limit = 1'000'000;
    }
    ~Queue() {
        guest_rx_flush(s);
        rte_ring_free(s.rx_queue);
        rte_pktmbuf_free_bulk(taken.data(), static_cast<unsigned>(taken.size()));
    }
    // Frames of lengths first..first+n-1 into the queue.
    void enqueue(uint16_t first, uint16_t n) {
        rte_mbuf* pkts[kBurst];
        for (uint16_t i = 0; i < n; ++i)
            pkts[i] = frame(kMacB, kMacA, static_cast<uint16_t>(first + i));
        guest_rx_enqueue(s, q, c, pkts, n);
    }
    void drain(uint64_t now = 0) {
        guest_rx_drain(s, q, c, now, kHz, [&](rte_mbuf** pkts, uint16_t n, uint16_t fresh_from) {
            first_new.push_back(fresh_from);
            const uint16_t k = std::min(n, accept);
            taken.insert(taken.end(), pkts, pkts + k);
            return k;
        });
    }
    std::vector<uint32_t> taken_lengths() const {
        std::vector<uint32_t> out;
        for (const rte_mbuf* m : taken) out.push_back(m->pkt_len);
        return out;
    }
    uint64_t drops() const {
        uint64_t n = 0;
        for (const auto& d : c.drops) n += d.get();
        return n;
    }
};

}  // namespace

TEST_CASE("guest RX: frames the guest cannot take wait at the head, uncharged, and go first") {
    Queue t;
    t.enqueue(100, 10);
    t.accept = 3;
    t.drain();
    CHECK(t.taken_lengths() == std::vector<uint32_t>{100, 101, 102});
    CHECK(guest_rx_queued(t.s) == 7);
    CHECK(t.s.rx_queue_bytes.load() == 103 + 104 + 105 + 106 + 107 + 108 + 109);
    CHECK(t.s.rx_shaper.tokens() == int64_t(kBucket - (100 + 101 + 102)));  // only what left
    CHECK(t.drops() == 0);

    t.accept = 0;  // the guest's ring is full
    t.drain();
    CHECK(t.first_new.back() == 7);  // all seven were offered before
    CHECK(t.taken.size() == 3);
    CHECK(guest_rx_queued(t.s) == 7);
    CHECK(t.s.rx_shaper.tokens() == int64_t(kBucket - (100 + 101 + 102)));  // charge given back

    t.enqueue(110, 2);
    t.accept = 32;
    t.drain();
    CHECK(t.first_new.back() == 7);
    CHECK(t.taken_lengths() ==
          std::vector<uint32_t>{100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111});
    CHECK(guest_rx_queued(t.s) == 0);
    CHECK(t.s.rx_queue_bytes.load() == 0);
    CHECK(t.drops() == 0);  // a shaper is a queue, not a drop point
    CHECK(t.c.rx_queued.get() == 12);
}

TEST_CASE("guest RX: the queue's bound counts the frames held at its head") {
    Queue t;
    t.q.rx_limit = 1000;
    t.enqueue(200, 4);  // 806 bytes
    t.accept = 1;
    t.drain();
    t.enqueue(300, 2);  // 606 more: 406 + 300 fits, 301 does not
    CHECK(t.c.drops[static_cast<unsigned>(DropReason::kQueueFull)].get() == 1);
    CHECK(guest_rx_queued(t.s) == 4);
}

TEST_CASE("guest RX, police mode: held frames are judged again, and a flush frees them") {
    Queue t(/*police=*/true);
    t.enqueue(100, 5);
    t.accept = 2;
    t.drain();
    CHECK(t.taken.size() == 2);
    CHECK(guest_rx_queued(t.s) == 3);
    CHECK(t.s.rx_shaper.tokens() == int64_t(kBucket - 201));
    CHECK(guest_rx_flush(t.s) == 3);
    CHECK(guest_rx_queued(t.s) == 0);
    CHECK(t.s.queue_flushed.get() == 3);
}
