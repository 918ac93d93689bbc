#include <catch2/catch.hpp>
#include <vector>

#include "src/datapath/vlan_stage.h"
#include "tests/support/vlan_set.h"

using namespace vsw;
using test::vlan_set;

namespace {

std::vector<uint8_t> untagged() {
    std::vector<uint8_t> f(60, 0);
    f[12] = 0x08;
    return f;
}

std::vector<uint8_t> tagged(uint8_t pcp, uint16_t vid, uint16_t inner = 0x0800) {
    std::vector<uint8_t> f(64, 0);
    f[12] = 0x81;
    f[14] = static_cast<uint8_t>(pcp << 5 | vid >> 8);
    f[15] = static_cast<uint8_t>(vid);
    f[16] = static_cast<uint8_t>(inner >> 8);
    f[17] = static_cast<uint8_t>(inner);
    return f;
}

std::optional<FrameVlan> classify(const PortVlan& p, const std::vector<uint8_t>& f, DropReason& why,
                                  uint32_t len = 0) {
    return classify_ingress(p, f.data(), len ? len : static_cast<uint32_t>(f.size()), why);
}

}  // namespace

TEST_CASE("port membership by mode") {
    auto access = PortVlan::make(VlanMode::kAccess, 10, {});
    CHECK(access.carries(10));
    CHECK(access.members.count() == 1);
    auto trunk_all = PortVlan::make(VlanMode::kTrunk, 0, {});
    CHECK(trunk_all.carries(0));
    CHECK(trunk_all.carries(4094));
    CHECK_FALSE(trunk_all.carries(4095));
    auto trunk = PortVlan::make(VlanMode::kTrunk, 0, vlan_set("10,20"));
    CHECK(trunk.carries(20));
    CHECK_FALSE(trunk.carries(0));
    auto native = PortVlan::make(VlanMode::kNativeUntagged, 5, vlan_set("10"));
    CHECK(native.carries(5));  // the native VLAN is implied
    CHECK(native.carries(10));
    CHECK_FALSE(native.carries(11));
}

TEST_CASE("ingress: access ports") {
    auto p = PortVlan::make(VlanMode::kAccess, 10, {});
    DropReason why{};
    auto f = classify(p, untagged(), why);
    REQUIRE(f);
    CHECK(f->vlan == 10);
    CHECK_FALSE(f->tagged);
    f = classify(p, tagged(5, 0), why);  // priority tag: accepted, priority kept
    REQUIRE(f);
    CHECK(f->vlan == 10);
    CHECK(f->pcp == 5);
    CHECK_FALSE(classify(p, tagged(0, 10), why));
    CHECK(why == DropReason::kVlanNotAllowed);
    CHECK_FALSE(classify(p, tagged(0, 0, 0x8100), why));  // stacked tags
    CHECK(why == DropReason::kBadVlanTag);
    CHECK_FALSE(classify(p, tagged(0, 10), why, 16));  // tag cut short
    CHECK(why == DropReason::kBadVlanTag);
    auto qinq = untagged();
    qinq[12] = 0x88;
    qinq[13] = 0xa8;
    CHECK_FALSE(classify(p, qinq, why));
    CHECK(why == DropReason::kBadVlanTag);
}

TEST_CASE("ingress: trunk and native ports") {
    DropReason why{};
    auto trunk = PortVlan::make(VlanMode::kTrunk, 0, vlan_set("0,20"));
    auto f = classify(trunk, tagged(3, 20), why);
    REQUIRE(f);
    CHECK(f->vlan == 20);
    CHECK(f->pcp == 3);
    CHECK(f->header_vid == 20);
    f = classify(trunk, untagged(), why);
    REQUIRE(f);
    CHECK(f->vlan == 0);
    CHECK_FALSE(classify(trunk, tagged(0, 30), why));
    CHECK(why == DropReason::kVlanNotAllowed);
    CHECK_FALSE(classify(trunk, tagged(0, 4095), why));
    CHECK(why == DropReason::kBadVlanTag);

    auto native = PortVlan::make(VlanMode::kNativeTagged, 7, vlan_set("20"));
    f = classify(native, untagged(), why);
    REQUIRE(f);
    CHECK(f->vlan == 7);
    f = classify(native, tagged(0, 7), why);
    REQUIRE(f);
    CHECK(f->vlan == 7);
    CHECK_FALSE(classify(native, tagged(0, 8), why));
}

TEST_CASE("egress actions by mode") {
    auto access = PortVlan::make(VlanMode::kAccess, 10, {});
    auto trunk = PortVlan::make(VlanMode::kTrunk, 0, {});
    auto ntag = PortVlan::make(VlanMode::kNativeTagged, 10, {});
    auto nuntag = PortVlan::make(VlanMode::kNativeUntagged, 10, {});
    const FrameVlan plain{10, 0, false, 0}, tag10{10, 0, true, 10}, prio{10, 4, true, 0},
        plain0{0, 0, false, 0};
    CHECK(egress_action(access, plain) == EgressAction::kAsIs);
    CHECK(egress_action(access, tag10) == EgressAction::kStrip);
    CHECK(egress_action(access, prio) == EgressAction::kStrip);
    CHECK(egress_action(trunk, plain) == EgressAction::kPush);
    CHECK(egress_action(trunk, tag10) == EgressAction::kAsIs);
    CHECK(egress_action(trunk, prio) == EgressAction::kSetVid);
    CHECK(egress_action(trunk, plain0) == EgressAction::kAsIs);  // VLAN 0 leaves a trunk untagged
    CHECK(egress_action(ntag, plain) == EgressAction::kPush);
    CHECK(egress_action(nuntag, tag10) == EgressAction::kStrip);
    CHECK(egress_action(nuntag, FrameVlan{20, 0, false, 0}) == EgressAction::kPush);
    CHECK(make_tci(5, 10) == (5 << 13 | 10));
}
