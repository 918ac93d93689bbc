#include "telemetry/ipfix/ipfix_config.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "src/config/config.h"

using namespace vsw;

TEST_CASE("ipfix settings apply, refuse absurd values, and round-trip through the state file") {
    IpfixConfig c;
    CHECK(apply_ipfix_setting(c, "collectors", "127.0.0.1:4739,[::1]:4740") == "");
    CHECK(apply_ipfix_setting(c, "obs-domain", "4294967295") == "");
    CHECK(apply_ipfix_setting(c, "sampling", "100") == "");
    CHECK(apply_ipfix_setting(c, "sampling-mode", "random") == "");
    CHECK(apply_ipfix_setting(c, "active-timeout", "120") == "");
    CHECK(apply_ipfix_setting(c, "idle-timeout", "10") == "");
    CHECK(apply_ipfix_setting(c, "cache-max", "1000000") == "");
    CHECK(apply_ipfix_setting(c, "template-interval", "30") == "");
    CHECK(apply_ipfix_setting(c, "mtu", "9000") == "");
    CHECK(validate_ipfix(c) == "");
    CHECK(c.collectors.size() == 2);
    CHECK(c.sampling_random);

    IpfixConfig bad = c;
    CHECK_THAT(apply_ipfix_setting(bad, "active-timeout", "0"), Catch::Contains("1-86400"));
    CHECK_THAT(apply_ipfix_setting(bad, "active-timeout", "99999999999999999999"),
               Catch::Contains("1-86400"));
    CHECK_THAT(apply_ipfix_setting(bad, "idle-timeout", "-5"), Catch::Contains("1-86400"));
    CHECK_THAT(apply_ipfix_setting(bad, "cache-max", "10"), Catch::Contains("1024"));
    CHECK_THAT(apply_ipfix_setting(bad, "cache-max", "4194305"), Catch::Contains("4194304"));
    CHECK_THAT(apply_ipfix_setting(bad, "sampling", "0"), Catch::Contains("sampling"));
    CHECK_THAT(apply_ipfix_setting(bad, "sampling-mode", "sometimes"),
               Catch::Contains("deterministic or random"));
    CHECK_THAT(apply_ipfix_setting(bad, "mtu", "100"), Catch::Contains("576"));
    CHECK_THAT(apply_ipfix_setting(bad, "collectors", "a:1,a:1"), Catch::Contains("twice"));
    CHECK_THAT(apply_ipfix_setting(bad, "collectors", "a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1"),
               Catch::Contains("at most 8"));
    CHECK_THAT(apply_ipfix_setting(bad, "colour", "red"), Catch::Contains("unknown ipfix setting"));
    CHECK(bad == c);  // nothing changed by the refused settings
    bad.idle_timeout = 200;
    CHECK_THAT(validate_ipfix(bad), Catch::Contains("must not exceed active-timeout"));
    CHECK_THAT(validate_ipfix(IpfixConfig{}), Catch::Contains("collector"));

    SwitchConfig sc;
    sc.ipfix = c;
    const SwitchConfig back = switch_config_from_json(to_json(sc));
    CHECK(back.ipfix == c);
    CHECK_FALSE(switch_config_from_json(to_json(SwitchConfig{})).ipfix.enabled());
    nlohmann::json j = to_json(sc);
    j["ipfix"]["idle-timeout"] = "0";
    CHECK_THROWS_WITH(switch_config_from_json(j), Catch::Contains("idle-timeout"));
    j["ipfix"] = "yes";
    CHECK_THROWS_WITH(switch_config_from_json(j), Catch::Contains("object"));
}
