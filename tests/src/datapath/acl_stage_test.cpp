// The ACL stage over real mbufs (src/datapath/acl_stage.h): a port with a group that allows
// TCP 22 in and (Neutron's default) everything out. Replies pass by their connection, new
// connections by the rules, out-of-state TCP and non-IP frames are dropped and counted, a full
// zone refuses new connections and keeps its established ones; and through the pipeline, a
// flood is filtered for the port with groups only.
#include "src/datapath/acl_stage.h"

#include <catch2/catch.hpp>
#include <memory>

#include "acl/security_group_set.h"
#include "tests/conntrack/ct_frames.h"
#include "tests/support/datapath_fixture.h"
#include "tests/support/mbuf_bytes.h"

using namespace vsw;
using namespace vsw::test;
namespace ct = vsw::conntrack;
using ct::testing::Frame;

namespace {

// Group "web": Neutron's egress defaults and TCP 22 in.
acl::SecurityGroupSet web_group() {
    acl::SecurityGroupSet s;
    REQUIRE(acl::add_group(s, "web").empty());
    acl::SecurityRule r;
    r.direction = acl::Direction::kIngress;
    r.protocol = acl::kProtoTcp;
    r.ports = acl::PortRange{22, 22};
    REQUIRE(acl::add_group_rule(s, "web", r).empty());
    return s;
}

// Port 1 of the fixture with group web, on a table of `capacity` (`zone_limit` per port).
struct AclFixture : Fixture {
    ct::CtTable table;
    std::shared_ptr<const acl::AclClassifier> rules;

    explicit AclFixture(uint32_t capacity = 256, uint32_t zone_limit = 0)
        : table(capacity, zone_limit) {
        rules = std::make_shared<const acl::AclClassifier>(
            web_group(), std::vector<std::string>{"web"}, acl::RemoteGroupMembers{});
        auto t = std::make_unique<AclTable>();
        t->connections = &table;
        t->rules[1] = rules.get();
        t->keep.push_back(rules);
        snap.acl = std::move(t);
        snap.features[1] |= port_feature::kAcl;
    }
    // The frames through port 1's stage in direction `d`: which passed (in order).
    std::vector<bool> stage(acl::Direction d, const std::vector<Frame>& frames,
                            uint64_t now_ms = 1000) {
        rte_mbuf* pkts[kBurst];
        rte_mbuf* sent[kBurst];
        const auto n = static_cast<uint16_t>(frames.size());
        for (uint16_t i = 0; i < n; ++i) sent[i] = pkts[i] = chain_from(g_pool, frames[i], {});
        const uint16_t kept =
            acl_stage(acl_slice(*dp, snap, 1, d, now_ms), pkts, n, port(1).counters[0]);
        std::vector<bool> passed(n, false);
        for (uint16_t i = 0; i < kept; ++i)
            for (uint16_t j = 0; j < n; ++j) passed[j] = passed[j] || pkts[i] == sent[j];
        rte_pktmbuf_free_bulk(pkts, kept);
        return passed;
    }
};

Frame tcp_in(uint16_t dport, uint8_t flags, uint32_t seq = 1000, uint32_t ack = 0) {
    return ct::testing::tcp4("10.0.0.9", 40000, "10.0.0.2", dport, flags, seq, ack);
}

Frame tcp_out(uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack) {
    return ct::testing::tcp4("10.0.0.2", sport, "10.0.0.9", 40000, flags, seq, ack);
}

}  // namespace

TEST_CASE("ACL stage: rules for new connections, the connection for the rest", "[acl]") {
    AclFixture f;
    using ct::kTcpAck;
    using ct::kTcpSyn;
    const auto in = acl::Direction::kIngress, out = acl::Direction::kEgress;
    // To the guest: a SYN to 22 opens, to 80 is denied; an ACK with no connection is invalid;
    // ARP passes; another ethertype is denied.
    const Frame arp = ct::testing::eth(0x0806, Frame(28, 0));
    const Frame other = ct::testing::eth(0x88b5, Frame(46, 0));
    CHECK(f.stage(in, {tcp_in(22, kTcpSyn), tcp_in(80, kTcpSyn), tcp_in(443, kTcpAck), arp,
                       other}) == std::vector<bool>{true, false, false, true, false});
    CHECK(drops(f.port(1), DropReason::kAclDeny) == 2);
    CHECK(drops(f.port(1), DropReason::kCtInvalid) == 1);
    // The guest's SYN-ACK on 22 is the reply: established, no rule needed; the client's ACK too.
    CHECK(f.stage(out, {tcp_out(22, kTcpSyn | kTcpAck, 5000, 1001)}) == std::vector<bool>{true});
    CHECK(f.stage(in, {tcp_in(22, kTcpAck, 1001, 5001)}) == std::vector<bool>{true});
    // The guest's SYN-ACK on 80 (its SYN was denied): no connection.
    CHECK(f.stage(out, {tcp_out(80, kTcpSyn | kTcpAck, 5000, 1001)}) == std::vector<bool>{false});
    CHECK(drops(f.port(1), DropReason::kCtInvalid) == 2);
    // Egress is open (Neutron's defaults): the guest's own UDP out, and its answer back in.
    const Frame q = ct::testing::udp4("10.0.0.2", 5000, "8.8.8.8", 53);
    const Frame a = ct::testing::udp4("8.8.8.8", 53, "10.0.0.2", 5000);
    CHECK(f.stage(out, {q}) == std::vector<bool>{true});
    CHECK(f.stage(in, {a, ct::testing::udp4("8.8.4.4", 53, "10.0.0.2", 5000)}) ==
          std::vector<bool>{true, false});
    // Connections are the port's zone's, marked with the way they opened.
    CHECK(f.table.zone_size(acl_zone(1)) == 2);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("ACL stage: a full zone refuses new connections, established ones go on", "[acl]") {
    AclFixture f(256, 2);
    const auto in = acl::Direction::kIngress;
    std::vector<Frame> opens;
    for (uint16_t p = 0; p < 3; ++p)
        opens.push_back(
            ct::testing::udp4("10.0.0.2", static_cast<uint16_t>(6000 + p), "10.0.0.9", 53));
    CHECK(f.stage(acl::Direction::kEgress, opens) == std::vector<bool>{true, true, false});
    CHECK(drops(f.port(1), DropReason::kCtFull) == 1);
    CHECK(f.stage(in, {ct::testing::udp4("10.0.0.9", 53, "10.0.0.2", 6000)}) ==
          std::vector<bool>{true});
    CHECK(f.stage(in, {ct::testing::udp4("10.0.0.9", 53, "10.0.0.2", 6002)}) ==
          std::vector<bool>{false});  // the refused one has no connection: new, and denied
    CHECK(drops(f.port(1), DropReason::kAclDeny) == 1);
}

TEST_CASE("ACL stage: headers across segments of a chained frame are read", "[acl]") {
    AclFixture f;
    rte_mbuf* m = chain_from(g_pool, tcp_in(22, ct::kTcpSyn), {5, 10, 20, 30, 40, 50});
    REQUIRE(m->nb_segs > 1);
    rte_mbuf* pkts[1] = {m};
    CHECK(acl_stage(acl_slice(*f.dp, f.snap, 1, acl::Direction::kIngress, 1000), pkts, 1,
                    f.port(1).counters[0]) == 1);
    rte_pktmbuf_free(m);
}

TEST_CASE("ACL in the pipeline: a flood is filtered for the port with groups only", "[acl]") {
    AclFixture f;
    rte_mbuf* pkts[1] = {chain_from(g_pool, tcp_in(80, ct::kTcpSyn), {})};
    BurstDecisions d;
    f.run_burst(0, pkts, 1, d);  // to an unknown MAC: flooded to ports 1 and 2
    flush_all(*f.dp, f.snap);
    CHECK(drops(f.port(1), DropReason::kAclDeny) == 1);
    CHECK(f.port(2).counters[0].tx_packets.get() == 1);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("ACL stage: a run of one UDP flow in a burst shares the first frame's fate", "[acl]") {
    AclFixture f(256, 1);
    const auto in = acl::Direction::kIngress, out = acl::Direction::kEgress;
    const Frame denied = ct::testing::udp4("10.0.0.9", 53, "10.0.0.2", 7000);
    CHECK(f.stage(in, {denied, denied, denied}) == std::vector<bool>{false, false, false});
    CHECK(drops(f.port(1), DropReason::kAclDeny) == 3);  // each one counted
    const Frame q = ct::testing::udp4("10.0.0.2", 5000, "10.0.0.9", 53);
    const Frame q2 = ct::testing::udp4("10.0.0.2", 5001, "10.0.0.9", 53);
    // One connection opens (the zone holds one), its run passes; the next flow is full.
    CHECK(f.stage(out, {q, q, q2, q2, q}) == std::vector<bool>{true, true, false, false, true});
    CHECK(drops(f.port(1), DropReason::kCtFull) == 2);
    CHECK(f.table.zone_size(acl_zone(1)) == 1);
    // The reply way is another run: established.
    const Frame a = ct::testing::udp4("10.0.0.9", 53, "10.0.0.2", 5000);
    CHECK(f.stage(in, {a, a}) == std::vector<bool>{true, true});
}
