// A port's isolation settings (security/port_security_config.h).
#include "security/port_security_config.h"

#include <catch2/catch.hpp>

using namespace vsw;

TEST_CASE("port security settings: set, cleared with none, checked") {
    PortSecurity s;
    CHECK(is_security_setting("mac-limit"));
    CHECK_FALSE(is_security_setting("mac-limits"));
    CHECK(apply_security_setting(s, "mac-limit", "10") == "");
    CHECK(apply_security_setting(s, "flood-rate", "1000") == "");
    CHECK(apply_security_setting(s, "flood-burst", "50") == "");
    CHECK(s == PortSecurity{10, 1000, 50});
    CHECK(security_settings(s) ==
          std::vector<std::pair<std::string, std::string>>{
              {"mac-limit", "10"}, {"flood-rate", "1000"}, {"flood-burst", "50"}});
    CHECK(apply_security_setting(s, "flood-rate", "none") == "");
    CHECK(s == PortSecurity{10, 0, 0});  // the burst went with its rate
    CHECK(apply_security_setting(s, "mac-limit", "none") == "");
    CHECK(security_settings(s) ==
          std::vector<std::pair<std::string, std::string>>{
              {"mac-limit", "none"}, {"flood-rate", "none"}, {"flood-burst", "none"}});
}

TEST_CASE("port security settings: bad values are refused with the range") {
    PortSecurity s;
    CHECK(apply_security_setting(s, "mac-limit", "0") ==
          "mac-limit must be 1 to 1000000 MACs, or none, not '0'");
    CHECK(apply_security_setting(s, "flood-rate", "-5") ==
          "flood-rate must be 1 to 100000000 packets/s, or none, not '-5'");
    CHECK(apply_security_setting(s, "flood-burst", "lots") ==
          "flood-burst must be 1 to 100000000 packets, or none, not 'lots'");
    CHECK(s == PortSecurity{});
    s.flood_burst = 5;
    CHECK(validate_security(s) == "flood-burst needs flood-rate");
}

TEST_CASE("storm control's default burst: a tenth of a second, at least 16 packets") {
    CHECK(effective_flood_burst({0, 100, 0}) == 16);
    CHECK(effective_flood_burst({0, 5000, 0}) == 500);
    CHECK(effective_flood_burst({0, 5000, 20}) == 20);
}
