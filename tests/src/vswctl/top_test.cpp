#include "src/vswctl/top.h"

#include <catch2/catch.hpp>

using namespace vsw::ctl;
using nlohmann::json;

namespace {

json port(const char* name, uint64_t rx, uint64_t rx_bytes, uint64_t tx, uint64_t tx_bytes,
          uint64_t drops) {
    return {{"name", name},     {"rx_packets", rx},     {"rx_bytes", rx_bytes},
            {"tx_packets", tx}, {"tx_bytes", tx_bytes}, {"drops_total", drops}};
}

}  // namespace

TEST_CASE("rates are the counters' growth over the interval, busiest port first") {
    const json before = {
        {"ports", {port("quiet", 10, 1000, 0, 0, 0), port("busy", 0, 0, 0, 0, 0)}},
        {"pmds", {{{"id", 0}, {"busy_cycles", 0u}, {"idle_cycles", 0u}, {"rx_packets", 0u}}}},
        {"fdb", {{"entries", 2u}, {"max", 8192u}}},
        {"mbuf_pool", {{"in_use", 5u}, {"size", 16383u}}}};
    const json after = {
        {"ports",
         {port("quiet", 12, 1200, 0, 0, 0), port("busy", 2000000, 125000000, 1000, 64000, 50)}},
        {"pmds", {{{"id", 0}, {"busy_cycles", 750u}, {"idle_cycles", 250u}, {"rx_packets", 5u}}}},
        {"fdb", {{"entries", 2u}, {"max", 8192u}}},
        {"mbuf_pool", {{"in_use", 5u}, {"size", 16383u}}}};
    const std::string s = render_top(before, after, 2.0);
    CHECK_THAT(s,
               Catch::StartsWith("PMD 0: 75% busy, 150 cycles/pkt;  FDB 2/8192;  mbufs 5/16383\n"));
    // busy: 1M frames/s, 500 Mbit/s in; 500 frames/s, 256 kbit/s out; 25 drops/s.
    const auto busy = s.find("busy "), quiet = s.find("quiet ");
    REQUIRE(busy != std::string::npos);
    REQUIRE(quiet != std::string::npos);
    CHECK(busy < quiet);
    CHECK_THAT(s.substr(busy, s.find('\n', busy) - busy),
               Catch::Matches("busy +1\\.00M +500M +500 +256k +25"));
    CHECK_THAT(s.substr(quiet),
               Catch::StartsWith("quiet") && Catch::Contains(" 800"));  // 1 frame/s, 800 bit/s
}

TEST_CASE("a port that appeared or was re-created counts from zero") {
    const json before = {{"ports", {port("vm", 1000, 100000, 0, 0, 0)}}};
    const json after = {{"ports", {port("vm", 10, 1000, 0, 0, 0), port("new", 4, 400, 0, 0, 0)}}};
    const std::string s = render_top(before, after, 1.0);
    CHECK_THAT(s, Catch::Contains("vm ") && Catch::Contains("new "));
    CHECK(s.find("-990") == std::string::npos);
}

TEST_CASE("rates read like top's") {
    CHECK(si_rate(0) == "0");
    CHECK(si_rate(999) == "999");
    CHECK(si_rate(1234) == "1.23k");
    CHECK(si_rate(12345) == "12.3k");
    CHECK(si_rate(123456789) == "123M");
    CHECK(si_rate(9.87e9) == "9.87G");
}
