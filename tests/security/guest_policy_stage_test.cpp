// Port security's stage on real mbufs (security/guest_policy_stage.h): refused frames are freed
// and counted as received with their reason, the burst keeps the rest in order.
#include "security/guest_policy_stage.h"

#include <catch2/catch.hpp>
#include <vector>

#include "tests/support/datapath_fixture.h"

using namespace vsw;
using namespace vsw::test;

TEST_CASE("the port security stage drops and counts what the guest may not send") {
    PortSecurity s;
    s.enabled = true;
    s.allowed_macs = {kMacA};
    s.ethertypes = {0x0000};  // the fixture's frames carry type 0
    const GuestPolicy p = make_guest_policy(s);
    telemetry::PortCounters c;
    std::vector<rte_mbuf*> pkts = {frame(kMacC, kMacA), frame(kMacC, kMacB),
                                   frame(kMacC, kMacA, 70)};
    const uint16_t kept = enforce_guest_policy(p, pkts.data(), 3, c);
    REQUIRE(kept == 2);
    CHECK(pkts[1]->pkt_len == 70);  // compacted, in order
    CHECK(c.drops[static_cast<unsigned>(DropReason::kSpoofedMac)].get() == 1);
    CHECK(c.rx_packets.get() == 1);  // decide() counts the kept ones
    CHECK(c.rx_bytes.get() == 64);
    rte_pktmbuf_free_bulk(pkts.data(), kept);

    const GuestPolicy strict = make_guest_policy({.enabled = true, .allowed_macs = {kMacA}});
    pkts = {frame(kMacC, kMacA)};
    CHECK(enforce_guest_policy(strict, pkts.data(), 1, c) == 0);
    CHECK(c.drops[static_cast<unsigned>(DropReason::kEthertypeNotAllowed)].get() == 1);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}
