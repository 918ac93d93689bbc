#include "src/config/config.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <tuple>

#include "tests/support/port_config_helper.h"

using namespace vsw;
using nlohmann::json;

TEST_CASE("port configs are validated by type") {
    PortConfig p = test::port("vm1", PortType::kVhostUserClient, "/run/vsw/vm1.sock", "", true, "");
    CHECK(validate_port_config(p).empty());
    p.socket = "relative.sock";
    CHECK_THAT(validate_port_config(p), Catch::Contains("absolute"));
    p.socket = "";
    CHECK_THAT(validate_port_config(p), Catch::Contains("--socket"));
    p.socket = "/" + std::string(120, 'x');
    CHECK_THAT(validate_port_config(p), Catch::Contains("longer"));
    PortConfig d = test::port("up0", PortType::kDpdk, "", "net_tap0,iface=t0", true, "");
    CHECK(validate_port_config(d).empty());
    d.socket = "/x";
    CHECK_FALSE(validate_port_config(d).empty());
    d.socket = "";
    d.devargs = "";
    CHECK_THAT(validate_port_config(d), Catch::Contains("--devargs"));
}

TEST_CASE("set-port and set apply known keys and reject the rest") {
    PortConfig p = test::port("vm1", PortType::kVhostUserServer, "/s", "", true, "");
    CHECK(apply_port_setting(p, "admin", "down").empty());
    CHECK_FALSE(p.admin_up);
    CHECK_THAT(apply_port_setting(p, "admin", "sideways"), Catch::Contains("up"));
    CHECK_THAT(apply_port_setting(p, "colour", "blue"), Catch::Contains("unknown port setting"));
    CHECK(apply_port_setting(p, "description", "web frontend").empty());
    CHECK(p.description == "web frontend");

    SwitchSettings s;
    CHECK(apply_switch_setting(s, "fdb-aging-time", "60").empty());
    CHECK(s.fdb_aging_seconds == 60);
    CHECK_FALSE(apply_switch_setting(s, "fdb-aging-time", "0").empty());
    CHECK_FALSE(apply_switch_setting(s, "fdb-aging-time", "12x").empty());
    CHECK_FALSE(apply_switch_setting(s, "fdb-aging-time", "-5").empty());
    CHECK(s.fdb_aging_seconds == 60);
    CHECK_THAT(apply_switch_setting(s, "turbo", "1"), Catch::Contains("unknown setting"));
}

TEST_CASE("mtu= takes 68 to 9216 bytes, keeps the old value on a bad one and persists") {
    PortConfig p = test::port("vm1", PortType::kVhostUserServer, "/s", "", true, "");
    CHECK(p.mtu == 1500);
    CHECK(apply_port_setting(p, "mtu", "1450").empty());
    CHECK(p.mtu == 1450);
    for (const char* bad : {"67", "9217", "0", "-1", "1500x", "", "65536"})
        CHECK_THAT(apply_port_setting(p, "mtu", bad), Catch::Contains("mtu must be 68 to 9216"));
    CHECK(p.mtu == 1450);
    CHECK(to_json(p)["mtu"] == 1450);
    CHECK(port_config_from_json(to_json(p)) == p);
    PortConfig up = test::port("up0", PortType::kDpdk, "", "net_af_packet0,iface=veth0", true, "");
    CHECK(apply_port_setting(up, "mtu", "1400").empty());
    CHECK(validate_port_config(up).empty());
    CHECK(apply_port_setting(up, "mtu", "9000").empty());
    CHECK_THAT(validate_port_config(up), Catch::Contains("mtu above 1500 on a dpdk port"));
    CHECK_FALSE(to_json(test::port("vm2", PortType::kVhostUserServer, "/s", "", true, ""))
                    .contains("mtu"));  // the default is not written
    nlohmann::json j = to_json(p);
    j["mtu"] = "big";
    CHECK_THROWS_WITH(port_config_from_json(j), Catch::Contains("'mtu' must be a number"));
    j["mtu"] = 20u;
    CHECK_THROWS_WITH(port_config_from_json(j), Catch::Contains("mtu must be"));
}

TEST_CASE("forward-bpdu= is on or off, off by default, and persists only when on") {
    PortConfig p = test::port("vm1", PortType::kVhostUserServer, "/s", "", true, "");
    CHECK_FALSE(p.forward_bpdu);
    CHECK_FALSE(to_json(p).contains("forward-bpdu"));
    CHECK(apply_port_setting(p, "forward-bpdu", "on").empty());
    CHECK(p.forward_bpdu);
    CHECK(to_json(p)["forward-bpdu"] == "on");
    CHECK(port_config_from_json(to_json(p)) == p);
    CHECK_THAT(apply_port_setting(p, "forward-bpdu", "yes"),
               Catch::Contains("forward-bpdu must be 'on' or 'off'"));
    CHECK(p.forward_bpdu);
    CHECK(apply_port_setting(p, "forward-bpdu", "off").empty());
    CHECK_FALSE(p.forward_bpdu);
}

TEST_CASE("configuration survives a JSON round trip") {
    SwitchConfig c;
    c.settings.fdb_aging_seconds = 77;
    c.ports.push_back(
        test::port("a", PortType::kVhostUserClient, "/run/vsw/a.sock", "", true, "first"));
    c.ports.push_back(
        test::port("b", PortType::kVhostUserServer, "/run/vsw/b.sock", "", false, ""));
    c.ports.push_back(
        test::port("up0", PortType::kDpdk, "", "net_af_packet0,iface=veth0", true, ""));
    c.ports[0].security = {.mac_limit = 8, .flood_rate = 1000, .flood_burst = 50};
    c.ports[1].security.flood_rate = 10;
    // Every port security setting, not at its default, on one port or another.
    for (auto [i, key, value] : {std::tuple{1, "allowed-macs", "02:00:00:00:00:01"},
                                 {1, "allowed-ips", "any"},
                                 {1, "allowed-ethertypes", "any"},
                                 {1, "port-security", "on"},
                                 {2, "allowed-macs", "02:00:00:00:00:02,02:00:00:00:00:03"},
                                 {2, "allowed-ips", "dhcp,10.0.0.5,2001:db8::/64"},
                                 {2, "allowed-ethertypes", "ipv4,arp"},
                                 {2, "trusted", "on"},
                                 {2, "port-security", "on"}})
        REQUIRE(apply_port_setting(c.ports[i], key, value) == "");
    CHECK(switch_config_from_json(nlohmann::json::parse(to_json(c).dump())) == c);
}

TEST_CASE("bad configuration JSON is rejected with the field named") {
    using nlohmann::json;
    auto err = [](const json& j) {
        try {
            switch_config_from_json(j);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK_THAT(err(json::array()), Catch::Contains("object"));
    CHECK_THAT(err({{"format", "other"}}), Catch::Contains("not a vsw state file"));
    CHECK_THAT(err({{"format", "vsw-state"}, {"version", 9}}), Catch::Contains("version"));
    json base = {{"format", "vsw-state"}, {"version", 1}};
    json j = base;
    j["ports"] = {{{"name", "a"}, {"type", "warp-drive"}, {"socket", "/a"}}};
    CHECK_THAT(err(j), Catch::Contains("unknown port type"));
    j["ports"] = {{{"type", "vhost-user-client"}, {"socket", "/a"}}};
    CHECK_THAT(err(j), Catch::Contains("'name'"));
    j["ports"] = {{{"name", "a"}, {"type", "vhost-user-client"}, {"socket", "/a"}},
                  {{"name", "a"}, {"type", "vhost-user-client"}, {"socket", "/b"}}};
    CHECK_THAT(err(j), Catch::Contains("duplicate"));
    j = base;
    j["settings"] = {{"fdb-aging-time", 0}};
    CHECK_THAT(err(j), Catch::Contains("fdb-aging-time"));
    j["settings"] = {{"fdb-aging-time", "soon"}};
    CHECK_THAT(err(j), Catch::Contains("number"));
}

TEST_CASE("set-port takes bandwidth settings and validates them with the port") {
    PortConfig p = test::port("vm1", PortType::kVhostUserClient, "/s", "", true, "");
    CHECK(apply_port_setting(p, "tx-rate", "50M").empty());
    CHECK(apply_port_setting(p, "rx-limit", "20ms").empty());
    CHECK(p.bandwidth.tx_rate == 50'000'000);
    CHECK_THAT(validate_port_config(p), Catch::Contains("need rx-rate"));
    CHECK_THAT(apply_port_setting(p, "tx-rate", "0"), Catch::Contains("positive"));
}

TEST_CASE("port_settings reproduce a port's settings on another port, whatever it had") {
    PortConfig target = test::port("vm1", PortType::kVhostUserClient, "/s", "", true, "");
    REQUIRE(apply_port_setting(target, "vlan-mode", "access").empty());
    REQUIRE(apply_port_setting(target, "tag", "30").empty());
    REQUIRE(apply_port_setting(target, "tx-rate", "10M").empty());
    REQUIRE(apply_port_setting(target, "tx-burst", "64k").empty());
    REQUIRE(apply_port_setting(target, "rx-rate", "20M").empty());
    REQUIRE(apply_port_setting(target, "rx-mode", "police").empty());
    REQUIRE(apply_port_setting(target, "mtu", "1450").empty());
    REQUIRE(apply_port_setting(target, "mac-limit", "4").empty());
    REQUIRE(apply_port_setting(target, "flood-rate", "500").empty());
    REQUIRE(apply_port_setting(target, "flood-burst", "20").empty());
    REQUIRE(validate_port_config(target).empty());

    PortConfig a = test::port("vm1", PortType::kVhostUserClient, "/s", "", true, "");
    REQUIRE(apply_port_setting(a, "vlan-mode", "native-untagged").empty());
    REQUIRE(apply_port_setting(a, "tag", "10").empty());
    REQUIRE(apply_port_setting(a, "trunks", "20-30").empty());
    REQUIRE(apply_port_setting(a, "tx-rate", "50M").empty());
    REQUIRE(apply_port_setting(a, "tx-peak", "80M").empty());
    REQUIRE(apply_port_setting(a, "admin", "down").empty());
    REQUIRE(apply_port_setting(a, "description", "x").empty());
    REQUIRE(apply_port_setting(a, "flood-rate", "100").empty());
    PortConfig plain = test::port("vm1", PortType::kVhostUserClient, "/s", "", true, "");
    for (const PortConfig& want : {a, plain, target}) {
        for (const PortConfig& from : {target, a, plain}) {
            PortConfig p = from;
            auto settings = port_settings(want);
            std::sort(settings.begin(),
                      settings.end());  // the control protocol's JSON object sorts keys
            for (const auto& [k, v] : settings) REQUIRE(apply_port_setting(p, k, v).empty());
            CHECK(validate_port_config(p).empty());
            CHECK(p == want);
        }
    }
}

TEST_CASE("a top-level section a controller owns is kept as read and saved again") {
    auto j = json::parse(R"({"format":"vsw-state","version":1,"ports":[],
                             "sflow":{"sampling":100,"collectors":["c:6343"]},
                             "from-a-newer-vswd":[1,2,3]})");
    SwitchConfig c = switch_config_from_json(j);
    REQUIRE(c.sections.size() == 2);
    CHECK(json::parse(c.sections.at("sflow")) == j["sflow"]);
    const json again = to_json(c);
    CHECK(again["sflow"] == j["sflow"]);
    CHECK(again["from-a-newer-vswd"] == j["from-a-newer-vswd"]);
    CHECK(switch_config_from_json(again) == c);
    CHECK_FALSE(to_json(SwitchConfig{}).contains("sflow"));  // nothing written for no section
}
