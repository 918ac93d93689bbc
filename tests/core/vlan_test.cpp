#include "core/vlan.h"

#include <catch2/catch.hpp>

#include "tests/support/vlan_set.h"

using namespace vsw;
using test::vlan_set;

TEST_CASE("VLAN lists parse, merge and print back") {
    CHECK(format_vlan_list(vlan_set("30,10,20-22,21")) == "10,20-22,30");
    CHECK(format_vlan_list(vlan_set("")) == "");
    CHECK(vlan_set("0-4094").count() == 4095);
    std::string err;
    for (const char* bad : {"4095", "10-", "x", "20-10", "10,,20", "10,", "-5", "1 2"}) {
        CHECK_FALSE(parse_vlan_list(bad, err));
        CHECK_FALSE(err.empty());
    }
}

TEST_CASE("VLAN list errors name the bad item or the trailing comma") {
    std::string err;
    CHECK_FALSE(parse_vlan_list("10,x", err));
    CHECK(err == "'x' is not a VLAN (0-4094) or a range such as 20-30");
    CHECK_FALSE(parse_vlan_list("10,", err));
    CHECK(err == "VLAN list ends with ','");
}

TEST_CASE("VLAN modes have names that map back to them") {
    for (VlanMode m :
         {VlanMode::kTrunk, VlanMode::kAccess, VlanMode::kNativeTagged, VlanMode::kNativeUntagged})
        CHECK(vlan_mode_from_name(vlan_mode_name(m)) == m);
    CHECK_FALSE(vlan_mode_from_name("hybrid"));
    CHECK(make_tci(5, 10) == (5 << 13 | 10));
}
