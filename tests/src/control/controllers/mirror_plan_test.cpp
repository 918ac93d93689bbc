// The mirror plan (mirror_plan.h): sessions compiled against ports given as lookups.
#include "src/control/controllers/mirror_plan.h"

#include <catch2/catch.hpp>
#include <map>

using namespace vsw;

namespace {

constexpr Mac kOutMac = 0x020000000007, kHopMac = 0x0200000000aa;

struct Rig {
    std::map<std::string, MirrorPlanPort> ports = {
        {"a", {0, 0, 0}}, {"b", {1, 1, 0}}, {"span0", {2, 0, 0}}, {"up0", {5, 1, kOutMac}}};
    std::map<uint32_t, Mac> neighbors;
    MirrorRuntime rt[3];
    std::map<std::string, MirrorRuntime*> runtimes = {
        {"s1", &rt[0]}, {"s2", &rt[1]}, {"s3", &rt[2]}};
    MirrorPlanInputs inputs() {
        return {
            .port = [this](const std::string& name, uint32_t) -> std::optional<MirrorPlanPort> {
                auto it = ports.find(name);
                if (it == ports.end()) return std::nullopt;
                return it->second;
            },
            .neighbor_mac = [this](uint32_t ip) { return neighbors.count(ip) ? neighbors[ip] : 0; },
            .runtime = [this](const std::string& s) { return runtimes.at(s); },
            .tsc_hz = 2'000'000'000};
    }
};

MirrorConfig span(std::string name, std::vector<std::string> sources, std::string out) {
    MirrorConfig m;
    m.name = std::move(name);
    m.sources = std::move(sources);
    m.output = std::move(out);
    return m;
}

MirrorConfig erspan(std::string name) {
    MirrorConfig m = span(std::move(name), {"b"}, "up0");
    m.kind = MirrorKind::kErspan2;
    m.local_ip = 0x0a000001;
    m.remote_ip = 0x0a000002;
    return m;
}

}  // namespace

TEST_CASE("mirror plan: no session, no table and no port taken") {
    Rig r;
    MirrorPlan p = plan_mirrors({}, r.inputs());
    CHECK_FALSE(p.table);
    CHECK(p.span_outputs.empty());
    CHECK(p.arp_watch.empty());
}

TEST_CASE("mirror plan: a SPAN session copies its sources to an output out of forwarding") {
    Rig r;
    MirrorConfig m = span("s1", {"a", "b"}, "span0");
    m.tx = false;
    m.vlans = "10,20";
    MirrorPlan p = plan_mirrors({m}, r.inputs());
    REQUIRE(p.table);
    CHECK(p.table->n == 1);
    CHECK(p.table->s[0].out_slot == 2);
    CHECK(p.table->s[0].rt == &r.rt[0]);
    CHECK_FALSE(p.table->s[0].all_vlans);
    CHECK(p.table->s[0].vlans.test(10));
    CHECK_FALSE(p.table->s[0].vlans.test(11));
    CHECK(p.table->rx[0] == 1);
    CHECK(p.table->rx[1] == 1);
    CHECK(p.table->tx[0] == 0);  // rx only
    CHECK(p.span_outputs == std::vector<uint16_t>{2});
    CHECK(p.arp_watch.empty());
}

TEST_CASE("mirror plan: session i is bit i, a missing source is skipped") {
    Rig r;
    MirrorPlan p =
        plan_mirrors({span("s1", {"a"}, "span0"), span("s2", {"a", "gone"}, "b")}, r.inputs());
    REQUIRE(p.table);
    CHECK(p.table->n == 2);
    CHECK(p.table->rx[0] == 0b11);
    CHECK(p.table->tx[0] == 0b11);
    CHECK(p.span_outputs == std::vector<uint16_t>{2, 1});
}

TEST_CASE("mirror plan: ERSPAN watches ARP for its next hop until and after it resolves") {
    Rig r;
    MirrorPlan unresolved = plan_mirrors({erspan("s1")}, r.inputs());
    REQUIRE(unresolved.table);
    const MirrorSession& s = unresolved.table->s[0];
    CHECK_FALSE(s.next_hop_known);
    CHECK(s.owner == 1);  // the worker polling up0
    CHECK(s.header_len > 0);
    CHECK(unresolved.arp_watch == std::vector<uint16_t>{5});
    CHECK(unresolved.span_outputs.empty());  // ERSPAN's output keeps forwarding

    r.neighbors[0x0a000002] = kHopMac;
    MirrorPlan resolved = plan_mirrors({erspan("s1")}, r.inputs());
    CHECK(resolved.table->s[0].next_hop_known);
    CHECK(resolved.arp_watch == std::vector<uint16_t>{5});  // the next hop may move
    // The outer Ethernet header: the next hop's MAC, then the output's.
    const uint8_t* h = resolved.table->s[0].header;
    CHECK(h[0] == 0x02);
    CHECK(h[5] == 0xaa);
    CHECK(h[11] == 0x07);
}

TEST_CASE("mirror plan: a static next hop needs no ARP, a gateway is what ARP asks for") {
    Rig r;
    MirrorConfig fixed = erspan("s1");
    fixed.next_hop_mac = kHopMac;
    MirrorPlan p = plan_mirrors({fixed}, r.inputs());
    CHECK(p.table->s[0].next_hop_known);
    CHECK(p.arp_watch.empty());

    MirrorConfig routed = erspan("s1");
    routed.gateway = 0x0a0000fe;
    r.neighbors[0x0a000002] = kHopMac;  // the remote itself is not the next hop
    CHECK_FALSE(plan_mirrors({routed}, r.inputs()).table->s[0].next_hop_known);
    r.neighbors[0x0a0000fe] = kHopMac;
    CHECK(plan_mirrors({routed}, r.inputs()).table->s[0].next_hop_known);
}
