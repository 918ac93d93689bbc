#include "telemetry/metrics/metrics_http.h"

#include <catch2/catch.hpp>

using namespace vsw;

TEST_CASE("GET /metrics answers the exposition, anything else a clear status") {
    MetricsSnapshot snapshot;
    const std::string ok =
        MetricsHttpServer::respond("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", snapshot);
    CHECK_THAT(ok, Catch::StartsWith("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4"));
    CHECK_THAT(ok, Catch::Contains("vsw_ipfix_enabled 0"));
    CHECK_THAT(MetricsHttpServer::respond("GET /metrics?x=1 HTTP/1.0\r\n\r\n", snapshot),
               Catch::StartsWith("HTTP/1.1 200"));
    const std::string head = MetricsHttpServer::respond("HEAD /metrics HTTP/1.1\r\n\r\n", snapshot);
    CHECK_THAT(head, Catch::StartsWith("HTTP/1.1 200") && Catch::EndsWith("\r\n\r\n"));
    CHECK_THAT(MetricsHttpServer::respond("GET / HTTP/1.1\r\n\r\n", snapshot),
               Catch::StartsWith("HTTP/1.1 404"));
    CHECK_THAT(MetricsHttpServer::respond("DELETE /metrics HTTP/1.1\r\n\r\n", snapshot),
               Catch::StartsWith("HTTP/1.1 405"));
    CHECK_THAT(MetricsHttpServer::respond("garbage", snapshot), Catch::StartsWith("HTTP/1.1 400"));
    CHECK_THAT(MetricsHttpServer::respond("", snapshot), Catch::StartsWith("HTTP/1.1 400"));
}

TEST_CASE("the listen address is checked") {
    MetricsSnapshot snapshot;
    MetricsHttpServer server;
    for (const char* bad : {"", "http", "0", "70000", "nohost:9550", "::1:9550"})
        CHECK_THAT(server.start(bad, &snapshot), Catch::Contains("--metrics-listen"));
}
