#include "telemetry/ipfix/ipfix_message.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "tests/support/flow_records.h"
#include "tests/support/ipfix_decoder.h"

using namespace vsw::telemetry;
using namespace vsw::telemetry::ipfix;
using vsw::test::IpfixDecoder;

namespace {

FlowRecord record(FlowKind kind, uint32_t n) {
    FlowRecord r = vsw::test::flow_record(kind, 6, 1234, 80);
    r.key.src_mac[5] = 1;
    r.key.dst_mac[5] = 2;
    memcpy(r.key.src_ip, &n, 4);
    r.key.dst_ip[15] = 9;
    r.c = vsw::test::frames(n, 100, 86, 1000, 2500);
    r.c.tcp_flags = 0x1b;
    return r;
}

std::vector<uint8_t> bytes(std::span<const uint8_t> s) {
    return {s.begin(), s.end()};
}

}  // namespace

TEST_CASE("templates, then data records that decode to what was encoded") {
    MessageBuilder b(77, 1472);
    IpfixDecoder dec;
    b.begin(1'700'000'000, 0);
    REQUIRE(b.add_templates());
    CHECK(b.data_records() == 0);
    auto t = dec.decode(bytes(b.finish()));
    CHECK(t.domain == 77);
    CHECK(t.templates == std::vector<uint16_t>{256, 257, 258, 259, 260, 261});

    b.begin(1'700'000'001, 0);
    REQUIRE(b.add_flow(record(FlowKind::kIpv4, 3), 1'600'000'000'000));
    REQUIRE(b.add_flow(record(FlowKind::kIpv4, 4), 1'600'000'000'000));
    REQUIRE(b.add_flow(record(FlowKind::kIpv6, 5), 1'600'000'000'000));
    REQUIRE(b.add_flow(record(FlowKind::kL2, 6), 1'600'000'000'000));
    CHECK(b.data_records() == 4);
    auto m = dec.decode(bytes(b.finish()));
    REQUIRE(m.records.size() == 4);
    const auto& r = m.records[0];
    CHECK(r.template_id == 256);
    CHECK(r.u(152) == 1'600'000'001'000);  // flowStartMilliseconds
    CHECK(r.u(153) == 1'600'000'002'500);
    CHECK(r.u(2) == 3);
    CHECK(r.u(1) == 3 * 86);
    CHECK(r.u(352) == 300);
    CHECK(r.u(10) == 4);
    CHECK(r.u(58) == 10);
    CHECK(r.u(243) == 10);
    CHECK(r.u(256) == 0x0800);
    CHECK(r.u(7) == 1234);
    CHECK(r.u(11) == 80);
    CHECK(r.u(6) == 0x1b);
    CHECK(r.u(136) == 1);
    CHECK(r.u(56) == 0x000000000001ull);  // record() sets only the last byte
    CHECK(r.u(80) == 0x000000000002ull);
    CHECK(m.records[1].u(2) == 4);
    CHECK(m.records[2].template_id == 257);
    CHECK(m.records[2].fields.at(28).size() == 16);
    CHECK(m.records[2].fields.at(28)[15] == 9);
    CHECK(m.records[3].template_id == 258);
    CHECK(m.records[3].fields.count(8) == 0);
    CHECK(m.records[3].u(352) == 600);
}

TEST_CASE("messages stay within the size limit") {
    const uint16_t limit = 548;  // an IPv4 path MTU of 576
    MessageBuilder b(1, limit);
    IpfixDecoder dec;
    b.begin(0, 0);
    REQUIRE(b.add_templates());
    dec.decode(bytes(b.finish()));
    b.begin(0, 0);
    int n = 0;
    while (b.add_flow(record(FlowKind::kIpv6, 1), 0)) ++n;
    auto msg = b.finish();
    CHECK(msg.size() <= limit);
    CHECK(n == static_cast<int>((limit - 16 - 4) / record_length(kTemplateIpv6)));
    CHECK(dec.decode(bytes(msg)).records.size() == static_cast<size_t>(n));
}

TEST_CASE("options records: exporter statistics and sampling") {
    MessageBuilder b(5, 1472);
    IpfixDecoder dec;
    b.begin(0, 0);
    b.add_templates();
    dec.decode(bytes(b.finish()));
    b.begin(0, 42);
    REQUIRE(b.add_exporter_stats({.process_id = 9,
                                  .messages = 11,
                                  .records = 12,
                                  .octets = 13,
                                  .lost_records = 14,
                                  .ignored_packets = 15}));
    REQUIRE(b.add_sampling({.algorithm = 3, .population = 100}));
    auto m = dec.decode(bytes(b.finish()));
    CHECK(m.sequence == 42);
    REQUIRE(m.records.size() == 2);
    CHECK(m.records[0].u(144) == 9);
    CHECK(m.records[0].u(41) == 11);
    CHECK(m.records[0].u(42) == 12);
    CHECK(m.records[0].u(40) == 13);
    CHECK(m.records[0].u(166) == 14);
    CHECK(m.records[0].u(164) == 15);
    CHECK(m.records[1].u(304) == 3);
    CHECK(m.records[1].u(305) == 1);
    CHECK(m.records[1].u(306) == 100);
}

TEST_CASE("template field lists add up to the record lengths") {
    for (uint16_t id :
         {kTemplateIpv4, kTemplateIpv6, kTemplateL2, kTemplateExporterStats, kTemplateSampling}) {
        CHECK(!template_fields(id).empty());
        CHECK(record_length(id) > 0);
    }
    CHECK(record_length(kTemplateIpv6) == record_length(kTemplateIpv4) + 24);
    CHECK(template_fields(999).empty());
}

TEST_CASE("interface names: variable-length strings, several records in one set") {
    MessageBuilder b(1, 1472);
    IpfixDecoder dec;
    b.begin(0, 0);
    b.add_templates();
    dec.decode(bytes(b.finish()));
    b.begin(0, 0);
    REQUIRE(b.add_interface(1, "web1-5254000a0001"));
    REQUIRE(b.add_interface(2, ""));
    REQUIRE(b.add_interface(3, std::string(300, 'x')));  // cut to 254 bytes
    auto m = dec.decode(bytes(b.finish()));
    REQUIRE(m.records.size() == 3);
    CHECK(m.records[0].u(10) == 1);
    CHECK(std::string(m.records[0].fields.at(82).begin(), m.records[0].fields.at(82).end()) ==
          "web1-5254000a0001");
    CHECK(m.records[1].fields.at(82).empty());
    CHECK(m.records[2].fields.at(82).size() == 254);
    CHECK(b.data_records() == 3);
}
