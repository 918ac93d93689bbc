// The overlay's plans (overlay_plan.h): the table the workers get and the remote programming.
#include "src/control/controllers/overlay_plan.h"

#include <catch2/catch.hpp>

using namespace vsw;

namespace {

constexpr uint32_t kLocal = 0x0a000001, kVtepA = 0x0a000002, kVtepB = 0x0a000003, kFar = 0xc0a80005,
                   kGateway = 0x0a0000fe;
constexpr Mac kGuest1 = 0x020000000011, kGuest2 = 0x020000000022, kHopMac = 0x0200000000aa;

OverlayConfig mapped(std::map<uint16_t, uint32_t> m) {
    OverlayConfig c;
    c.vni_of_vlan = std::move(m);
    return c;
}

OverlayRemote remote(std::map<uint32_t, std::set<uint32_t>> flood,
                     std::map<std::pair<uint32_t, Mac>, uint32_t> macs) {
    OverlayRemote r;
    r.flood = std::move(flood);
    r.macs = std::move(macs);
    return r;
}

struct TableRig {
    VtepCounters counters;
    std::map<uint32_t, Mac> neighbors;
    OverlayTableInputs inputs() {
        OverlayTableInputs in;
        in.uplink = 4;
        in.vtep.ip = kLocal;
        in.vtep.prefix_len = 24;
        in.vtep.gateway = kGateway;
        in.source_mac = 0x020000000004;
        in.neighbor_mac = [this](uint32_t ip) { return neighbors.count(ip) ? neighbors[ip] : 0; };
        in.counters = [this](uint32_t) { return &counters; };
        return in;
    }
};

}  // namespace

TEST_CASE("overlay table: segments per mapped VLAN, flood lists and senders") {
    TableRig r;
    const auto t = plan_overlay_table(
        mapped({{10, 1010}, {20, 2020}}),
        remote({{1010, {kVtepA, kVtepB}}}, {{{2020, kGuest1}, kVtepB}, {{9999, kGuest2}, kFar}}),
        {{kVtepA, 0}, {kVtepB, 1}, {kFar, 2}}, r.inputs());
    REQUIRE(t);
    CHECK(t->uplink == 4);
    CHECK(t->local_ip == kLocal);
    REQUIRE(t->segments.size() == 2);
    const OverlaySegment* s10 = t->segment_for_vlan(10);
    REQUIRE(s10);
    CHECK(s10->vni == 1010);
    CHECK(s10->flood == std::vector<uint16_t>{0, 1});
    CHECK(s10->senders == std::vector<uint32_t>{kVtepA, kVtepB});
    const OverlaySegment* s20 = t->segment_for_vni(2020);
    REQUIRE(s20);
    CHECK(s20->vlan == 20);
    CHECK(s20->flood.empty());
    CHECK(s20->senders == std::vector<uint32_t>{kVtepB});  // announced a MAC: sends too
    CHECK_FALSE(t->segment_for_vlan(30));
    CHECK_FALSE(t->segment_for_vni(9999));
    CHECK(t->vtep_index(kFar) == 2);
    CHECK(t->vtep_index(kLocal) == -1);
}

TEST_CASE("overlay table: on-link VTEPs resolve themselves, the others through the gateway") {
    TableRig r;
    r.neighbors[kVtepA] = kHopMac;
    const VtepIndex vteps = {{kVtepA, 0}, {kVtepB, 1}, {kFar, 2}};
    auto t = plan_overlay_table(mapped({}), remote({}, {}), vteps, r.inputs());
    REQUIRE(t->vteps.size() == 3);
    CHECK(t->vteps[0].resolved);
    CHECK_FALSE(t->vteps[1].resolved);  // on-link, no answer yet
    CHECK_FALSE(t->vteps[2].resolved);  // off-link: the gateway has not answered
    CHECK(t->vteps[2].counters == &r.counters);
    r.neighbors[kGateway] = kHopMac;
    t = plan_overlay_table(mapped({}), remote({}, {}), vteps, r.inputs());
    CHECK(t->vteps[2].resolved);
    CHECK(t->vteps[2].header[5] == 0xaa);  // the outer destination is the gateway's MAC
}

TEST_CASE("remote programming: new VTEPs take the lowest free indices, MACs only in mapped VNIs") {
    RemoteProgram p;
    const auto next =
        remote({{1010, {kVtepA, kVtepB}}}, {{{1010, kGuest1}, kVtepA}, {{3030, kGuest2}, kVtepB}});
    REQUIRE(plan_remote({}, next, mapped({{10, 1010}}), {{kFar, 0}}, kLocal, 100, p) == "");
    CHECK(p.added == VtepIndex{{kVtepA, 1}, {kVtepB, 2}});
    CHECK(p.retired == std::vector<uint32_t>{kFar});
    CHECK(p.fdb_remove.empty());
    REQUIRE(p.fdb_set.size() == 1);  // VNI 3030 has no VLAN here
    CHECK(p.fdb_set[0].mac == kGuest1);
    CHECK(p.fdb_set[0].vlan == 10);
    CHECK(p.fdb_set[0].vtep == kVtepA);
}

TEST_CASE("remote programming: moved MACs are set again, gone ones removed, kept ones left") {
    const auto old = remote({}, {{{1010, kGuest1}, kVtepA}, {{1010, kGuest2}, kVtepA}});
    const auto next = remote({}, {{{1010, kGuest1}, kVtepA}, {{1010, 0x02000000ff01}, kVtepB}});
    RemoteProgram p;
    REQUIRE(plan_remote(old, next, mapped({{10, 1010}}), {{kVtepA, 0}}, kLocal, 100, p) == "");
    CHECK(p.added == VtepIndex{{kVtepB, 1}});
    CHECK(p.retired.empty());
    CHECK(p.fdb_remove == std::vector<std::pair<Mac, uint16_t>>{{kGuest2, 10}});
    REQUIRE(p.fdb_set.size() == 1);  // kGuest1 unchanged: a local learn since stays
    CHECK(p.fdb_set[0].mac == 0x02000000ff01);

    const auto moved = remote({}, {{{1010, kGuest1}, kVtepB}});
    REQUIRE(plan_remote(old, moved, mapped({{10, 1010}}), {{kVtepA, 0}, {kVtepB, 1}}, kLocal, 100,
                        p) == "");
    CHECK(p.retired == std::vector<uint32_t>{kVtepA});
    REQUIRE(p.fdb_set.size() == 1);
    CHECK(p.fdb_set[0].vtep == kVtepB);
}

TEST_CASE("remote programming refuses the local VTEP, too many MACs and bad input") {
    RemoteProgram p;
    CHECK(plan_remote({}, remote({{1010, {kLocal}}}, {}), mapped({}), {}, kLocal, 100, p) ==
          "VTEP 10.0.0.1 is the local one");
    CHECK(plan_remote({}, remote({}, {{{1010, kGuest1}, kVtepA}, {{1010, kGuest2}, kVtepA}}),
                      mapped({}), {}, kLocal, 1, p) == "more remote MACs than the FDB holds (1)");
    CHECK_FALSE(
        plan_remote({}, remote({{0, {kVtepA}}}, {}), mapped({}), {}, kLocal, 100, p).empty());
}
