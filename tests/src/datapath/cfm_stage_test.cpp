// The CFM stage over real mbufs: a MEP's level and below go up, above passes.
#include "src/datapath/cfm_stage.h"

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "cfm/ccm.h"
#include "tests/support/datapath_fixture.h"

using namespace vsw;
using namespace vsw::test;

namespace {

rte_mbuf* ccm_frame(uint8_t level, uint16_t vlan = 0) {
    cfm::Ccm c;
    c.level = level;
    c.mepid = 7;
    c.maid = cfm::ovs_maid();
    const std::vector<uint8_t> bytes = cfm::encode_ccm_frame(c, kMacA, vlan);
    rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
    REQUIRE(m != nullptr);
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size())), bytes.data(),
                bytes.size());
    return m;
}

}  // namespace

TEST_CASE("CFM stage: the MEP's level and below go up, higher levels and other frames pass",
          "[cfm]") {
    Fixture f;
    rte_ring* punt =
        rte_ring_create_elem("cfm_punt", sizeof(Punt), 8, SOCKET_ID_ANY, RING_F_SC_DEQ);
    REQUIRE(punt != nullptr);
    rte_mbuf* pkts[5] = {ccm_frame(2), ccm_frame(3), ccm_frame(5), frame(kMacB, kMacA),
                         ccm_frame(1, 100)};
    rte_mbuf* passing[2] = {pkts[2], pkts[3]};
    const uint16_t n = cfm_stage(f.port(1), 0, 3, punt, pkts, 5);
    REQUIRE(n == 2);
    CHECK(pkts[0] == passing[0]);      // level 5: another domain's, ordinary traffic
    CHECK(pkts[1] == passing[1]);      // not CFM
    CHECK(rte_ring_count(punt) == 3);  // levels 2 and 3, and the tagged level 1
    CHECK(f.port(1).counters[0].to_control.get() == 3);
    Punt p;
    while (rte_ring_sc_dequeue_elem(punt, &p, sizeof(Punt)) == 0) {
        CHECK(p.reason == PuntReason::kCfm);
        CHECK(p.slot == 1);
        rte_pktmbuf_free(p.frame);
    }
    rte_pktmbuf_free_bulk(pkts, n);
    rte_ring_free(punt);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}
