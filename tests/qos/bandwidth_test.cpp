#include "qos/bandwidth.h"

#include <catch2/catch.hpp>

using namespace vsw;

TEST_CASE("bandwidth settings: rates, bursts, limits and their errors") {
    CHECK(parse_rate("50M") == 50'000'000u);
    CHECK(parse_rate("1.5G") == 1'500'000'000u);
    CHECK(parse_rate("800k") == 800'000u);
    CHECK(parse_rate("2000000") == 2'000'000u);
    CHECK_FALSE(parse_rate("-5M"));
    CHECK_FALSE(parse_rate("5Mbps"));
    CHECK_FALSE(parse_rate("fast"));
    CHECK_FALSE(parse_rate("1.2.3M"));
    CHECK(parse_bytes("64k") == 64'000u);
    CHECK(format_rate(50'000'000) == "50M");
    CHECK(format_rate(1'500'000'000) == "1.5G");

    PortBandwidth b;
    CHECK(apply_bandwidth_setting(b, "tx-rate", "50M").empty());
    CHECK(apply_bandwidth_setting(b, "rx-rate", "100M").empty());
    CHECK(apply_bandwidth_setting(b, "rx-limit", "20ms").empty());
    CHECK(validate_bandwidth(b).empty());
    PortQos q = port_qos(b);
    CHECK(q.tx_shaped);
    CHECK(q.tx_rate == 50'000'000 / 8);
    CHECK(q.tx_burst == 62'500);           // 10 ms of 50 Mbit/s
    CHECK(q.rx_limit == 12'500'000 / 50);  // 20 ms of 100 Mbit/s
    CHECK(qos_summary(b) == "tx 50M, rx 100M shape");

    CHECK_THAT(apply_bandwidth_setting(b, "tx-rate", "0"), Catch::Contains("positive"));
    CHECK_THAT(apply_bandwidth_setting(b, "tx-rate", "-1M"), Catch::Contains("positive"));
    CHECK_THAT(apply_bandwidth_setting(b, "tx-rate", "10Q"), Catch::Contains("positive"));
    CHECK_THAT(apply_bandwidth_setting(b, "tx-rate", "1k"), Catch::Contains("between"));
    CHECK_THAT(apply_bandwidth_setting(b, "tx-burst", "1000"), Catch::Contains("one full frame"));
    CHECK_THAT(apply_bandwidth_setting(b, "rx-mode", "drop"), Catch::Contains("shape or police"));
    b.tx_peak = 10'000'000;
    CHECK_THAT(validate_bandwidth(b), Catch::Contains("tx-peak"));
    b.tx_peak = 0;
    b.rx_rate = 0;
    CHECK_THAT(validate_bandwidth(b), Catch::Contains("need rx-rate"));
    b.rx_limit = "";
    CHECK(validate_bandwidth(b).empty());
    CHECK(apply_bandwidth_setting(b, "tx-rate", "none").empty());
    CHECK(b.tx_rate == 0);
}

TEST_CASE("bandwidth settings reproduce themselves, companions after their rate") {
    PortBandwidth b;
    REQUIRE(apply_bandwidth_setting(b, "rx-rate", "100M").empty());
    REQUIRE(apply_bandwidth_setting(b, "rx-mode", "police").empty());
    PortBandwidth copy;
    for (const auto& [k, v] : bandwidth_settings(b))
        REQUIRE(apply_bandwidth_setting(copy, k, v).empty());
    CHECK(copy == b);
    CHECK(is_bandwidth_setting("tx-peak"));
    CHECK_FALSE(is_bandwidth_setting("admin"));
}
