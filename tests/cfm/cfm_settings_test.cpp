// A port's cfm-* settings (cfm/cfm_settings.h): parsing, checks, and the list that reproduces them.
#include "cfm/cfm_settings.h"

#include <catch2/catch.hpp>
#include <string>

using namespace vsw;
using namespace vsw::cfm;

TEST_CASE("CFM settings: defaults are CFM off with OVS's interval, level and MAID", "[cfm]") {
    const CfmConfig c;
    CHECK_FALSE(c.enabled());
    CHECK(c.interval == CcmInterval::k1s);
    CHECK(c.level == 0);
    CHECK(c.maid == ovs_maid());
    CHECK(c.vlan == 0);
    CHECK(validate_cfm(c) == "");
    CHECK(cfm_settings(c).empty());  // nothing in the state file for a port without CFM
    for (const char* k : {"cfm-mpid", "cfm-interval", "cfm-level", "cfm-maid", "cfm-vlan"})
        CHECK(is_cfm_setting(k));
    CHECK_FALSE(is_cfm_setting("cfm"));
    CHECK_FALSE(is_cfm_setting("lacp"));
}

TEST_CASE("CFM settings: each applied, and the list reproduces them", "[cfm]") {
    CfmConfig c;
    CHECK(apply_cfm_setting(c, "cfm-mpid", "8191") == "");
    CHECK(apply_cfm_setting(c, "cfm-interval", "3.3") == "");
    CHECK(apply_cfm_setting(c, "cfm-level", "7") == "");
    CHECK(apply_cfm_setting(c, "cfm-maid", "md1/ma-100") == "");
    CHECK(apply_cfm_setting(c, "cfm-vlan", "4094") == "");
    CHECK(c.mpid == 8191);
    CHECK(c.interval == CcmInterval::k3ms);
    CHECK(c.level == 7);
    CHECK(maid_to_string(c.maid) == "md1/ma-100");
    CHECK(c.vlan == 4094);
    CHECK(validate_cfm(c) == "");
    using Settings = std::vector<std::pair<std::string, std::string>>;
    CHECK(cfm_settings(c) == Settings{{"cfm-mpid", "8191"},
                                      {"cfm-interval", "3.3"},
                                      {"cfm-level", "7"},
                                      {"cfm-maid", "md1/ma-100"},
                                      {"cfm-vlan", "4094"}});
    CfmConfig again;
    for (const auto& [k, v] : cfm_settings(c)) CHECK(apply_cfm_setting(again, k, v) == "");
    CHECK(again == c);

    CHECK(apply_cfm_setting(c, "cfm-vlan", "none") == "");
    CHECK(c.vlan == 0);
    CHECK(apply_cfm_setting(c, "cfm-interval", "3") == "");  // OVS's spelling
    CHECK(cfm_settings(c)[1].second == "3.3");
    CHECK(apply_cfm_setting(c, "cfm-maid", "0x0403616263") == "");
    CHECK(cfm_settings(c)[3].second == "0x0403616263");
    CHECK(apply_cfm_setting(c, "cfm-mpid", "none") == "");
    CHECK_FALSE(c.enabled());
}

TEST_CASE("CFM settings: bad values refused with a message, the config untouched", "[cfm]") {
    struct Case {
        const char* key;
        const char* value;
        const char* message;
    };
    const Case cases[] = {
        {"cfm-mpid", "0", "none or 1-8191"},    {"cfm-mpid", "8192", "none or 1-8191"},
        {"cfm-mpid", "", "none or 1-8191"},     {"cfm-mpid", "-1", "none or 1-8191"},
        {"cfm-interval", "1s", "3.3, 10, 100"}, {"cfm-interval", "500", "3.3, 10, 100"},
        {"cfm-interval", "0", "3.3, 10, 100"},  {"cfm-level", "8", "0-7"},
        {"cfm-level", "none", "0-7"},           {"cfm-maid", "a/b/c", "MD/MA"},
        {"cfm-maid", "0x1", "hex digits"},      {"cfm-vlan", "0", "none or 1-4094"},
        {"cfm-vlan", "4095", "none or 1-4094"}, {"cfm-colour", "blue", "unknown cfm setting"},
    };
    for (const Case& k : cases) {
        INFO(k.key << "=" << k.value);
        CfmConfig c;
        c.mpid = 5;
        const std::string e = apply_cfm_setting(c, k.key, k.value);
        CHECK(e.find(k.message) != std::string::npos);
        CfmConfig expected;
        expected.mpid = 5;
        CHECK(c == expected);
    }
}

TEST_CASE("CFM settings: the others need cfm-mpid; out-of-range fields set directly refused",
          "[cfm]") {
    CfmConfig c;
    CHECK(apply_cfm_setting(c, "cfm-interval", "100") == "");
    CHECK(validate_cfm(c).find("apply with cfm-mpid") != std::string::npos);
    c.mpid = 1;
    CHECK(validate_cfm(c) == "");
    CfmConfig bad;
    bad.mpid = 9000;
    CHECK_FALSE(validate_cfm(bad).empty());
    bad = CfmConfig{};
    bad.mpid = 1;
    bad.level = 8;
    CHECK_FALSE(validate_cfm(bad).empty());
    bad.level = 0;
    bad.vlan = 4095;
    CHECK_FALSE(validate_cfm(bad).empty());
    bad.vlan = 0;
    bad.interval = static_cast<CcmInterval>(0);
    CHECK_FALSE(validate_cfm(bad).empty());
}
