#include "telemetry/mirror/mirror_config.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "src/config/config.h"

using namespace vsw;

namespace {

MirrorConfig mirror(const std::string& name,
                    std::vector<std::pair<std::string, std::string>> settings) {
    MirrorConfig m;
    m.name = name;
    for (const auto& [k, v] : settings) REQUIRE(apply_mirror_setting(m, k, v) == "");
    return m;
}

const std::vector<std::string> kPorts = {"a", "b", "c", "span", "up0"};

}  // namespace

TEST_CASE("mirror settings parse and validate") {
    MirrorConfig m = mirror("m1", {{"sources", "a,b"},
                                   {"direction", "rx"},
                                   {"vlans", "20,10-12"},
                                   {"snaplen", "128"},
                                   {"output", "up0"},
                                   {"erspan", "3"},
                                   {"local-ip", "192.0.2.1"},
                                   {"remote-ip", "192.0.2.2"},
                                   {"session-id", "1023"},
                                   {"hw-id", "63"},
                                   {"granularity", "2"},
                                   {"next-hop-mac", "02:00:00:00:00:01"}});
    CHECK(m.sources == std::vector<std::string>{"a", "b"});
    CHECK(m.rx);
    CHECK_FALSE(m.tx);
    CHECK(m.vlans == "10-12,20");
    CHECK(m.kind == MirrorKind::kErspan3);
    CHECK(m.local_ip == 0xc0000201);
    CHECK(validate_mirror(m) == "");
    MirrorConfig bad;
    CHECK_THAT(apply_mirror_setting(bad, "session-id", "1024"), Catch::Contains("0 to 1023"));
    CHECK_THAT(apply_mirror_setting(bad, "index", "1048576"), Catch::Contains("1048575"));
    CHECK_THAT(apply_mirror_setting(bad, "hw-id", "64"), Catch::Contains("63"));
    CHECK_THAT(apply_mirror_setting(bad, "granularity", "4"), Catch::Contains("3"));
    CHECK_THAT(apply_mirror_setting(bad, "local-ip", "300.1.1.1"), Catch::Contains("IPv4"));
    CHECK_THAT(apply_mirror_setting(bad, "next-hop-mac", "ff:ff:ff:ff:ff:ff"),
               Catch::Contains("unicast"));
    CHECK_THAT(apply_mirror_setting(bad, "direction", "sideways"),
               Catch::Contains("rx, tx or both"));
    CHECK_THAT(apply_mirror_setting(bad, "snaplen", "10"), Catch::Contains("at least 14"));
    CHECK_THAT(apply_mirror_setting(bad, "erspan", "4"), Catch::Contains("2 (type II)"));
    CHECK_THAT(apply_mirror_setting(bad, "sources", ""), Catch::Contains("at least one"));
    CHECK_THAT(apply_mirror_setting(bad, "vlans", "5000"), Catch::Contains("vlans"));
    CHECK_THAT(apply_mirror_setting(bad, "colour", "red"),
               Catch::Contains("unknown mirror setting"));
}

TEST_CASE("a session is checked on its own") {
    CHECK_THAT(validate_mirror(mirror("m", {{"output", "b"}})), Catch::Contains("sources"));
    CHECK_THAT(validate_mirror(mirror("m", {{"sources", "a"}})), Catch::Contains("output"));
    CHECK_THAT(validate_mirror(mirror("m", {{"sources", "a"}, {"output", "b"}, {"erspan", "2"}})),
               Catch::Contains("local-ip and remote-ip"));
    // No next-hop-mac: resolved by ARP (for remote-ip, or for gateway); not both.
    CHECK(validate_mirror(mirror("m", {{"sources", "a"},
                                       {"output", "b"},
                                       {"erspan", "2"},
                                       {"local-ip", "1.1.1.1"},
                                       {"remote-ip", "2.2.2.2"}})) == "");
    CHECK_THAT(validate_mirror(mirror("m", {{"sources", "a"},
                                            {"output", "b"},
                                            {"erspan", "2"},
                                            {"local-ip", "1.1.1.1"},
                                            {"remote-ip", "2.2.2.2"},
                                            {"gateway", "1.1.1.254"},
                                            {"next-hop-mac", "02:00:00:00:00:01"}})),
               Catch::Contains("not both"));
    CHECK_THAT(
        validate_mirror(mirror("m", {{"sources", "a"}, {"output", "b"}, {"gateway", "1.1.1.254"}})),
        Catch::Contains("need erspan"));
    CHECK_THAT(
        validate_mirror(mirror("m", {{"sources", "a"}, {"output", "b"}, {"session-id", "3"}})),
        Catch::Contains("need erspan"));
    CHECK_THAT(validate_mirror(mirror("m", {{"sources", "a"},
                                            {"output", "b"},
                                            {"erspan", "3"},
                                            {"local-ip", "1.1.1.1"},
                                            {"remote-ip", "2.2.2.2"},
                                            {"next-hop-mac", "02:00:00:00:00:01"},
                                            {"index", "5"}})),
               Catch::Contains("type II field"));
    CHECK(validate_mirror(
              mirror("m", {{"sources", "a"}, {"output", "up0"}, {"rspan-vlan", "999"}})) == "");
}

TEST_CASE("sessions are checked against ports and each other: no loops, no shared SPAN outputs") {
    const MirrorConfig span = mirror("span1", {{"sources", "a"}, {"output", "span"}});
    const std::vector<MirrorConfig> others = {span};
    CHECK(validate_mirror_against(
              mirror("m", {{"sources", "a"}, {"output", "up0"}, {"rspan-vlan", "9"}}), others,
              kPorts) == "");
    CHECK_THAT(
        validate_mirror_against(mirror("m", {{"sources", "x"}, {"output", "b"}}), others, kPorts),
        Catch::Contains("no port named 'x'"));
    CHECK_THAT(
        validate_mirror_against(mirror("m", {{"sources", "a"}, {"output", "a"}}), others, kPorts),
        Catch::Contains("into itself"));
    CHECK_THAT(validate_mirror_against(mirror("m", {{"sources", "b"}, {"output", "span"}}), others,
                                       kPorts),
               Catch::Contains("already the output"));
    CHECK_THAT(validate_mirror_against(mirror("m", {{"sources", "span"}, {"output", "b"}}), others,
                                       kPorts),
               Catch::Contains("SPAN output of mirror span1"));
    CHECK_THAT(
        validate_mirror_against(mirror("m", {{"sources", "b"}, {"output", "a"}}), others, kPorts),
        Catch::Contains("is a source of mirror span1"));
    CHECK_THAT(validate_mirror_against(mirror("span1", {{"sources", "b"}, {"output", "c"}}), others,
                                       kPorts),
               Catch::Contains("exists"));
}

TEST_CASE("mirror sessions round-trip through the state file's JSON") {
    SwitchConfig c;
    for (const auto& n : kPorts) {
        PortConfig p;
        p.name = n;
        p.socket = "/s/" + n;
        c.ports.push_back(p);
    }
    c.mirrors.push_back(mirror("m1", {{"sources", "a"}, {"output", "span"}, {"snaplen", "64"}}));
    c.mirrors.push_back(mirror(
        "m2", {{"sources", "a,b"}, {"direction", "tx"}, {"output", "up0"}, {"rspan-vlan", "999"}}));
    c.mirrors.push_back(mirror("m3", {{"sources", "c"},
                                      {"output", "up0"},
                                      {"erspan", "2"},
                                      {"local-ip", "10.0.0.1"},
                                      {"remote-ip", "10.0.0.2"},
                                      {"session-id", "7"},
                                      {"index", "99"},
                                      {"next-hop-mac", "02:00:00:00:00:01"},
                                      {"ttl", "9"},
                                      {"dscp", "46"}}));
    c.mirrors.push_back(mirror("m4", {{"sources", "c"},
                                      {"output", "up0"},
                                      {"erspan", "3"},
                                      {"local-ip", "10.0.0.1"},
                                      {"remote-ip", "10.9.0.2"},
                                      {"gateway", "10.0.0.254"},
                                      {"session-id", "8"}}));
    CHECK(switch_config_from_json(to_json(c)) == c);
    // A session naming a port the file does not have is refused like any corruption.
    nlohmann::json j = to_json(c);
    j["mirrors"][0]["sources"] = "ghost";
    CHECK_THROWS_WITH(switch_config_from_json(j), Catch::Contains("ghost"));
}
