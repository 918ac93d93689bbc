// The connection table's bounds as the operator sets them (conntrack/ct_limits.h).
#include "conntrack/ct_limits.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>

using namespace vsw::conntrack;

TEST_CASE("ct limits: defaults, settings, refusals", "[conntrack]") {
    CtLimits l;
    CHECK(l.max == 262144);
    CHECK(l.zone_max == 65536);
    CHECK(apply_ct_limit(l, "max", "1000000").empty());
    CHECK(apply_ct_limit(l, "zone-max", "0").empty());
    CHECK(l == CtLimits{1000000, 0});
    CHECK_FALSE(apply_ct_limit(l, "max", "10").empty());  // below 1024
    CHECK_FALSE(apply_ct_limit(l, "max", "lots").empty());
    CHECK_FALSE(apply_ct_limit(l, "size", "5000").empty());
    CHECK(l == CtLimits{1000000, 0});  // untouched by the refusals
    CHECK(validate_ct_limits(l).empty());
    l.zone_max = 2000000;
    CHECK(validate_ct_limits(l) == "zone-max 2000000 is above max 1000000");
}

TEST_CASE("ct limits: the state file's form, and corrupt ones refused", "[conntrack]") {
    const CtLimits l{5000, 100};
    CHECK(ct_limits_from_json(to_json(l)) == l);
    CHECK(ct_limits_from_json(nlohmann::json::object()) == CtLimits{});
    CHECK_THROWS_AS(ct_limits_from_json(nlohmann::json::array()), std::invalid_argument);
    CHECK_THROWS_AS(ct_limits_from_json({{"max", "5000"}}), std::invalid_argument);
    CHECK_THROWS_AS(ct_limits_from_json({{"max", 5}}), std::invalid_argument);
    CHECK_THROWS_AS(ct_limits_from_json({{"max", 5000}, {"zone-max", 6000}}),
                    std::invalid_argument);
    CHECK_THROWS_AS(ct_limits_from_json({{"buckets", 5000}}), std::invalid_argument);
}
