#include "overlay/overlay_config.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace vsw;
using nlohmann::json;

TEST_CASE("vtep settings") {
    VtepAddress v;
    CHECK(apply_vtep_setting(v, "vtep-ip", "10.0.0.1/24") == "");
    CHECK((v.ip == 0x0a000001 && v.prefix_len == 24 && v.enabled()));
    CHECK(format_vtep(v) == "10.0.0.1/24");
    CHECK(v.next_hop(0x0a000002) == 0x0a000002);  // on-link
    CHECK(v.next_hop(0x0a010002) == 0);           // no gateway
    CHECK(apply_vtep_setting(v, "vtep-gateway", "10.0.0.254") == "");
    CHECK(v.next_hop(0x0a010002) == 0x0a0000fe);
    CHECK(format_vtep(v) == "10.0.0.1/24 via 10.0.0.254");
    CHECK(apply_vtep_setting(v, "vtep-ip", "10.0.0.9") == "");
    CHECK(v.prefix_len == 32);
    for (const char* bad :
         {"10.0.0", "10.0.0.1/33", "224.0.0.1", "0.0.0.0", "255.255.255.255", "10.0.0.1/", "x"})
        CHECK_THAT(apply_vtep_setting(v, "vtep-ip", bad), Catch::Contains("vtep-ip must be"));
    CHECK_THAT(apply_vtep_setting(v, "vtep-gateway", "239.1.1.1"), Catch::Contains("unicast"));
    CHECK(apply_vtep_setting(v, "vtep-ip", "none") == "");
    CHECK(!v.enabled());
    CHECK(format_vtep(v) == "");
}

TEST_CASE("VLAN to VNI mappings") {
    OverlayConfig c;
    CHECK(validate_vlan_vni(c, 10, 10010) == "");
    c.vni_of_vlan[10] = 10010;
    CHECK(validate_vlan_vni(c, 10, 10011) == "");  // remapping its own VLAN
    CHECK_THAT(validate_vlan_vni(c, 20, 10010), Catch::Contains("already carries VLAN 10"));
    CHECK_THAT(validate_vlan_vni(c, 0, 5), Catch::Contains("VLAN"));
    CHECK_THAT(validate_vlan_vni(c, 4095, 5), Catch::Contains("VLAN"));
    CHECK_THAT(validate_vlan_vni(c, 20, 0), Catch::Contains("VNI"));
    CHECK_THAT(validate_vlan_vni(c, 20, 1u << 24), Catch::Contains("VNI"));
    c.vni_of_vlan[20] = 10020;
    CHECK(overlay_config_from_json(to_json(c)) == c);
    CHECK(to_json(c) == json::parse(R"({"10":10010,"20":10020})"));
    for (const char* bad : {R"([])", R"({"x":1})", R"({"0":1})", R"({"10":"a"})",
                            R"({"10":16777216})", R"({"10":5,"20":5})", R"({"10":-1})"})
        CHECK_THROWS_AS(overlay_config_from_json(json::parse(bad)), std::invalid_argument);
}

TEST_CASE("the control plane's remote state as JSON") {
    OverlayRemote r;
    r.flood[10010] = {0x0a000002, 0x0a000003};
    r.macs[{10010, 0x020000000001}] = 0x0a000002;
    CHECK(validate_overlay_remote(r) == "");
    CHECK(overlay_remote_from_json(to_json(r)) == r);
    CHECK(to_json(r)["flood"]["10010"] == json::array({"10.0.0.2", "10.0.0.3"}));
    OverlayRemote bad = r;
    bad.macs[{10010, 0x010000000001}] = 0x0a000002;  // multicast MAC
    CHECK_THAT(validate_overlay_remote(bad), Catch::Contains("unicast"));
    bad = r;
    bad.flood[10010].insert(0xe0000001);
    CHECK_THAT(validate_overlay_remote(bad), Catch::Contains("unicast"));
    CHECK(overlay_remote_from_json(json::object()) == OverlayRemote{});
    for (const char* bad_json :
         {R"([])", R"({"flood":[]})", R"({"flood":{"0":[]}})", R"({"flood":{"5":["1.2.3"]}})",
          R"({"macs":[{"vni":5,"mac":"zz","vtep":"10.0.0.1"}]})", R"({"macs":[1]})",
          R"({"macs":[{"vni":5,"mac":"02:00:00:00:00:01","vtep":5}]})"})
        CHECK_THROWS_AS(overlay_remote_from_json(json::parse(bad_json)), std::invalid_argument);
}
