#include "bond/bond_config.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "src/config/config.h"

using namespace vsw;

TEST_CASE("bond settings: parsed, checked, reproduced", "[bond]") {
    BondConfig b;
    CHECK(apply_bond_setting(b, "members", "up0,up1") == "");
    CHECK(apply_bond_setting(b, "bond-mode", "balance-tcp") == "");
    CHECK(apply_bond_setting(b, "lacp", "active") == "");
    CHECK(apply_bond_setting(b, "lacp-time", "fast") == "");
    CHECK(apply_bond_setting(b, "lacp-fallback", "on") == "");
    CHECK(validate_bond(b) == "");
    CHECK(b.members == std::vector<std::string>{"up0", "up1"});
    BondConfig again;
    for (const auto& [k, v] : bond_settings(b)) REQUIRE(apply_bond_setting(again, k, v) == "");
    CHECK(again == b);

    CHECK(apply_bond_setting(b, "bond-mode", "round-robin").find("bond-mode must be") == 0);
    CHECK(apply_bond_setting(b, "lacp", "yes").find("lacp must be") == 0);
    CHECK(apply_bond_setting(b, "lacp-time", "1").find("lacp-time must be") == 0);
    CHECK(apply_bond_setting(b, "members", "up0,bad name").find("members:") == 0);
    CHECK(b.members.size() == 2);  // unchanged by the refusal
}

TEST_CASE("bond settings: the combinations refused", "[bond]") {
    BondConfig b;
    CHECK(validate_bond(b).find("needs members") != std::string::npos);
    b.members = {"a", "b", "a"};
    CHECK(validate_bond(b).find("'a' is named twice") != std::string::npos);
    b.members = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
    CHECK(validate_bond(b).find("at most 8") != std::string::npos);
    b.members = {"a"};
    b.fallback = true;  // with lacp=off
    CHECK(validate_bond(b).find("lacp-fallback applies") != std::string::npos);
}

TEST_CASE("a bond port's config: validated, persisted and read back", "[bond]") {
    PortConfig p;
    p.name = "bond0";
    p.type = PortType::kBond;
    CHECK(validate_port_config(p).find("needs members") != std::string::npos);
    REQUIRE(apply_port_setting(p, "members", "up0,up1") == "");
    REQUIRE(apply_port_setting(p, "lacp", "passive") == "");
    REQUIRE(apply_port_setting(p, "lacp-time", "fast") == "");
    REQUIRE(apply_port_setting(p, "bond-mode", "balance-slb") == "");
    REQUIRE(apply_port_setting(p, "vlan-mode", "access") == "");
    REQUIRE(apply_port_setting(p, "tag", "10") == "");
    CHECK(validate_port_config(p) == "");
    CHECK(port_config_from_json(to_json(p)) == p);
    // What vsw-libvirt re-applies reproduces it too.
    PortConfig q;
    q.name = "bond0";
    q.type = PortType::kBond;
    for (const auto& [k, v] : port_settings(p)) REQUIRE(apply_port_setting(q, k, v) == "");
    CHECK(q == p);

    PortConfig with_devargs = p;
    with_devargs.devargs = "net_null0";
    CHECK(validate_port_config(with_devargs).find("takes no --socket or --devargs") !=
          std::string::npos);
    PortConfig vtep = p;
    REQUIRE(apply_port_setting(vtep, "vtep-ip", "10.0.0.1/24") == "");
    CHECK(validate_port_config(vtep).find("vtep-ip applies to dpdk ports") != std::string::npos);
    PortConfig shaped = p;
    REQUIRE(apply_port_setting(shaped, "tx-rate", "10M") == "");
    CHECK(validate_port_config(shaped).find("not bonds") != std::string::npos);

    // Bond settings on another kind of port are refused.
    PortConfig up;
    up.name = "up0";
    up.type = PortType::kDpdk;
    up.devargs = "net_null0";
    REQUIRE(apply_port_setting(up, "lacp", "active") == "");
    CHECK(validate_port_config(up).find("apply to --type bond") != std::string::npos);
}
