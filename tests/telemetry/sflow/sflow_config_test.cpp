// sFlow settings: what `sflow set` and the state file's "sflow" section accept.
#include "telemetry/sflow/sflow_config.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace vsw;

TEST_CASE("sflow settings: defaults, collectors, ranges, ports and the agent") {
    SflowConfig c;
    CHECK_FALSE(c.enabled());
    CHECK(c.sampling == 400);
    CHECK(c.polling == 30);
    CHECK(validate_sflow(c) == "give at least one collector (HOST:PORT)");

    REQUIRE(apply_sflow_setting(c, "collectors", "10.0.0.9,[fd00::9]:7000").empty());
    REQUIRE(c.collectors.size() == 2);
    CHECK(c.collectors[0].port == 6343);  // sFlow's port when none is given
    CHECK(c.collectors[1].port == 7000);
    CHECK(apply_sflow_setting(c, "collectors", "tcp://10.0.0.9") ==
          "sFlow goes over UDP only (tcp://10.0.0.9:6343)");
    CHECK(apply_sflow_setting(c, "collectors", "a:1,a:1") == "collector a:1 listed twice");
    CHECK(c.collectors.size() == 2);  // a refused setting changes nothing

    CHECK(apply_sflow_setting(c, "sampling", "0").starts_with("sampling must be 1-16777216"));
    CHECK(apply_sflow_setting(c, "sampling", "1000").empty());
    CHECK(apply_sflow_setting(c, "polling", "0").empty());  // no counter samples
    CHECK_FALSE(apply_sflow_setting(c, "polling", "3601").empty());
    CHECK_FALSE(apply_sflow_setting(c, "header", "257").empty());
    CHECK_FALSE(apply_sflow_setting(c, "header", "13").empty());
    CHECK(apply_sflow_setting(c, "header", "256").empty());
    CHECK_FALSE(apply_sflow_setting(c, "max-datagram", "100").empty());

    CHECK(apply_sflow_setting(c, "agent", "192.0.2.1").empty());
    CHECK(apply_sflow_setting(c, "agent", "2001:db8::1").empty());
    CHECK(apply_sflow_setting(c, "agent", "host.example").starts_with("agent must be"));
    CHECK(c.agent == "2001:db8::1");
    CHECK(apply_sflow_setting(c, "agent", "auto").empty());
    CHECK(c.agent.empty());

    CHECK(c.covers("anything"));
    CHECK(apply_sflow_setting(c, "ports", "vm1,vm2,vm1").empty());
    CHECK(c.ports == std::vector<std::string>{"vm1", "vm2"});
    CHECK(c.covers("vm2"));
    CHECK_FALSE(c.covers("vm3"));
    CHECK_FALSE(apply_sflow_setting(c, "ports", "bad name").empty());
    CHECK(apply_sflow_setting(c, "ports", "all").empty());
    CHECK(c.covers("vm3"));
    CHECK(apply_sflow_setting(c, "rate", "1").starts_with("unknown sflow setting 'rate'"));
}

TEST_CASE("sflow settings survive the state file's JSON; bad sections are refused by name") {
    SflowConfig c;
    REQUIRE(apply_sflow_setting(c, "collectors", "c1:1,c2").empty());
    REQUIRE(apply_sflow_setting(c, "sampling", "64").empty());
    REQUIRE(apply_sflow_setting(c, "ports", "a,b").empty());
    REQUIRE(apply_sflow_setting(c, "agent", "10.1.1.1").empty());
    const nlohmann::json j = to_json(c);
    CHECK(j["collectors"] == "c1:1,c2:6343");
    CHECK(j["agent"] == "10.1.1.1");
    CHECK(sflow_config_from_json(j) == c);

    auto bad = j;
    bad["sampling"] = 64;  // a number where the settings are strings
    CHECK_THROWS_WITH(sflow_config_from_json(bad), "sflow setting 'sampling' must be a string");
    bad = j;
    bad.erase("collectors");
    CHECK_THROWS_WITH(sflow_config_from_json(bad),
                      "sflow: give at least one collector (HOST:PORT)");
    CHECK_THROWS(sflow_config_from_json(nlohmann::json::array()));
}
