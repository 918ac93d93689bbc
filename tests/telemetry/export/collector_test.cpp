#include "telemetry/export/collector.h"

#include <catch2/catch.hpp>

using namespace vsw;

TEST_CASE("collectors parse with names, IPv4, IPv6 and default port") {
    Collector c;
    CHECK(parse_collector("collector.example:2055", 4739, c) == "");
    CHECK((c.host == "collector.example" && c.port == 2055));
    CHECK(parse_collector("192.0.2.1", 4739, c) == "");
    CHECK(c.port == 4739);
    CHECK(parse_collector("192.0.2.1", 6343, c) == "");
    CHECK(c.port == 6343);  // each protocol's own default
    CHECK(parse_collector("[2001:db8::1]:4740", 4739, c) == "");
    CHECK((c.host == "2001:db8::1" && c.port == 4740));
    CHECK(c.str() == "[2001:db8::1]:4740");
    CHECK_THAT(parse_collector("2001:db8::1", 4739, c), Catch::Contains("[ADDRESS]:PORT"));
    CHECK_THAT(parse_collector("host:0", 4739, c), Catch::Contains("1-65535"));
    CHECK_THAT(parse_collector("host:99999", 4739, c), Catch::Contains("1-65535"));
    CHECK_THAT(parse_collector(":4739", 4739, c), Catch::Contains("HOST:PORT"));
    CHECK_THAT(parse_collector("a b:1", 4739, c), Catch::Contains("bad character"));
    CHECK_THAT(parse_collector("[::1", 4739, c), Catch::Contains("]"));
    CHECK(parse_collector("tcp://[::1]:4740", 4739, c) == "");
    CHECK((c.tcp && c.host == "::1" && c.port == 4740));
    CHECK(c.str() == "tcp://[::1]:4740");
    CHECK(parse_collector("udp://collector:4739", 4739, c) == "");
    CHECK((!c.tcp && c.str() == "collector:4739"));
    CHECK_THAT(parse_collector("sctp://collector:4739", 4739, c),
               Catch::Contains("udp:// or tcp://"));
}

TEST_CASE("a setting may take collectors of other protocols, by scheme, over UDP") {
    const CollectorProtocol others[] = {{"netflow9", 2055}, {"sflow", 6343}};
    Collector c;
    CHECK(parse_collector("netflow9://192.0.2.1", 4739, c, others) == "");
    CHECK((c.protocol == "netflow9" && c.port == 2055 && !c.tcp));
    CHECK(c.str() == "netflow9://192.0.2.1:2055");
    CHECK(parse_collector("sflow://[::1]:9999", 4739, c, others) == "");
    CHECK((c.protocol == "sflow" && c.port == 9999 && c.str() == "sflow://[::1]:9999"));
    CHECK(parse_collector("192.0.2.1", 4739, c, others) == "");
    CHECK((c.protocol.empty() && c.port == 4739));
    CHECK_THAT(parse_collector("netflow5://h:1", 4739, c, others),
               Catch::Contains("udp:// or tcp://, netflow9://, sflow://"));
    CHECK_THAT(parse_collector("netflow9://h:1", 4739, c),  // not one this setting takes
               Catch::Contains("udp:// or tcp://"));
}
