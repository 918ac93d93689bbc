// A capture tap for tests over real mbufs: its own small pool and ring, as a capture session
// makes them; take() returns the copies in order.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <catch2/catch.hpp>
#include <string>

#include "telemetry/capture/capture_tap.h"

namespace vsw::test {

// A tap with its own small pool and ring, as a capture session makes them.
struct Tap {
    CaptureTap tap;
    explicit Tap(unsigned ring_size = 64, unsigned mbufs = 63, uint32_t snaplen = 65535,
                 uint8_t dirs = 3) {
        static unsigned n = 0;
        const std::string id = std::to_string(n++);
        tap.ring =
            rte_ring_create(("test_capr" + id).c_str(), ring_size, SOCKET_ID_ANY, RING_F_SC_DEQ);
        tap.pool = rte_pktmbuf_pool_create(("test_capp" + id).c_str(), mbufs, 0, 0,
                                           RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
        REQUIRE((tap.ring && tap.pool));
        tap.snaplen = snaplen;
        tap.directions = dirs;
    }
    ~Tap() {
        rte_mbuf* m;
        while ((m = take())) rte_pktmbuf_free(m);
        rte_ring_free(tap.ring);
        rte_mempool_free(tap.pool);
    }
    rte_mbuf* take() {
        void* m = nullptr;
        return rte_ring_sc_dequeue(tap.ring, &m) == 0 ? static_cast<rte_mbuf*>(m) : nullptr;
    }
};

}  // namespace vsw::test
