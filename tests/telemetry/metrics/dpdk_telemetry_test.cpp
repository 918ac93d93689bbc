#include "telemetry/metrics/dpdk_telemetry.h"

#include <catch2/catch.hpp>
#include <map>

using namespace vsw;
using nlohmann::json;

TEST_CASE("views flatten into names telemetry accepts") {
    const json j = json::parse(R"({"rx_packets": 5, "drops": {"tx_full": 2}, "name": "web-1",
                                   "pmds": [{"id": 0}, {"id": 1}], "odd key!": true, "empty": {}})");
    const auto flat = flatten_for_telemetry(j);
    std::map<std::string, json> m(flat.begin(), flat.end());
    CHECK(m.at("rx_packets") == 5);
    CHECK(m.at("drops/tx_full") == 2);
    CHECK(m.at("name") == "web-1");  // values keep their characters
    CHECK(m.at("pmds/1/id") == 1);
    CHECK(m.at("odd_key_") == true);  // names only [A-Za-z0-9_/]
    CHECK(m.size() == 6);
}

TEST_CASE("a telemetry dict holds at most 256 entries") {
    json j = json::object();
    for (int i = 0; i < 300; ++i) j["k" + std::to_string(i)] = i;
    CHECK(flatten_for_telemetry(j).size() == 256);
}
