#include "telemetry/netflow/netflow9_message.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "tests/support/flow_records.h"
#include "tests/telemetry/netflow/netflow9_decoder.h"

using namespace vsw::telemetry;
using namespace vsw::telemetry::netflow;
using vsw::test::flow_record;
using vsw::test::frames;
using vsw::test::Netflow9Decoder;
using vsw::test::set_ipv4;

namespace {

FlowRecord record(FlowKind kind, uint32_t n) {
    FlowRecord r = flow_record(kind, 6, 1234, 80);
    const uint8_t src_mac[6] = {0x52, 0x54, 0, 0, 0, 1}, dst_mac[6] = {0x52, 0x54, 0, 0, 0, 2};
    memcpy(r.key.src_mac, src_mac, 6);
    memcpy(r.key.dst_mac, dst_mac, 6);
    set_ipv4(r.key, {10, 0, 0, static_cast<uint8_t>(n)}, {10, 0, 1, 9});
    if (kind == FlowKind::kIpv6) {
        r.key.src_ip[0] = 0xfd;
        r.key.dst_ip[0] = 0xfd;
        r.key.dst_ip[15] = 9;
    }
    r.c = frames(n, 100, 86, 61'000, 62'500);
    r.c.tcp_flags = 0x11b;  // NS + ACK PSH SYN FIN
    r.c.tos = 0x28;
    return r;
}

FlowRecord icmp_record() {
    FlowRecord r = record(FlowKind::kIpv4, 1);
    r.key.protocol = 1;
    r.key.src_port = 0;
    r.key.dst_port = 0;
    r.key.icmp_type_code = 0x0800;  // echo request
    return r;
}

ExportClock clock_at(uint64_t now_ms) {
    ExportClock c;
    c.now_ms = now_ms;
    c.boot_ms = 60'000;  // the exporter started a minute after the switch
    c.unix_ms = 1'700'000'000'250;
    return c;
}

std::vector<uint8_t> bytes(std::span<const uint8_t> s) {
    return {s.begin(), s.end()};
}

// A decoder that has seen the templates.
Netflow9Decoder decoder_with_templates() {
    Netflow9Builder b(7, 1400);
    Netflow9Decoder dec;
    b.begin(clock_at(70'000), 0);
    REQUIRE(b.add_templates());
    dec.decode(bytes(b.finish()));
    return dec;
}

}  // namespace

TEST_CASE("v9: the header carries uptime, wall-clock seconds, sequence and source id") {
    Netflow9Builder b(0x01020304, 1400);
    b.begin(clock_at(70'000), 41);
    CHECK(b.empty());
    auto m = bytes(b.finish());
    REQUIRE(m.size() == kV9HeaderLen);
    auto p = Netflow9Decoder().decode(m);
    CHECK(p.count == 0);
    CHECK(p.sys_uptime == 10'000);
    CHECK(p.unix_secs == 1'700'000'000);
    CHECK(p.sequence == 41);
    CHECK(p.source_id == 0x01020304);
}

TEST_CASE("v9: templates and options templates, each one record of the count") {
    Netflow9Builder b(7, 1400);
    Netflow9Decoder dec;
    b.begin(clock_at(70'000), 0);
    REQUIRE(b.add_templates());
    CHECK(b.records() == 4);
    auto p = dec.decode(bytes(b.finish()));
    CHECK(p.count == 4);
    CHECK(p.flowsets == std::vector<uint16_t>{0, 1, 1});
    CHECK(p.templates == std::vector<uint16_t>{256, 257});
    CHECK(p.options_templates == std::vector<uint16_t>{258, 259});
    CHECK(p.records.empty());
    for (uint16_t id :
         {kV9TemplateIpv4, kV9TemplateIpv6, kV9TemplateSampling, kV9TemplateInterfaces}) {
        const auto& t = dec.templates().at(id);
        const auto fields = v9_template_fields(id);
        const size_t scopes = v9_scope_field_count(id);
        REQUIRE(t.scopes.size() == scopes);
        REQUIRE(t.fields.size() == fields.size() - scopes);
        for (size_t i = 0; i < fields.size(); ++i) {
            const auto [type, len] = i < scopes ? t.scopes[i] : t.fields[i - scopes];
            CHECK(type == fields[i].type);
            CHECK(len == fields[i].length);
        }
        CHECK(t.record_length() == v9_record_length(id));
    }
    CHECK(dec.templates().at(kV9TemplateSampling).scopes[0].first == kV9ScopeSystem);
    CHECK(v9_record_length(kV9TemplateIpv4) == 60);
    CHECK(v9_record_length(kV9TemplateIpv6) == 84);
    CHECK(v9_template_fields(999).empty());
}

TEST_CASE("v9: flow records decode to what was encoded") {
    Netflow9Decoder dec = decoder_with_templates();
    Netflow9Builder b(7, 1400);
    b.begin(clock_at(70'000), 1);
    REQUIRE(b.add_flow(record(FlowKind::kIpv4, 3)) == AddResult::kAdded);
    REQUIRE(b.add_flow(record(FlowKind::kIpv4, 4)) == AddResult::kAdded);
    REQUIRE(b.add_flow(record(FlowKind::kIpv6, 5)) == AddResult::kAdded);
    REQUIRE(b.add_flow(icmp_record()) == AddResult::kAdded);
    CHECK(b.records() == 4);
    auto p = dec.decode(bytes(b.finish()));
    CHECK(p.count == 4);
    CHECK(p.flowsets == std::vector<uint16_t>{256, 257, 256});
    REQUIRE(p.records.size() == 4);
    const auto& r = p.records[0];
    CHECK(r.template_id == 256);
    CHECK(r.u(22) == 1'000);  // FIRST_SWITCHED: switch 61 000 ms, exporter booted at 60 000
    CHECK(r.u(21) == 2'500);  // LAST_SWITCHED
    CHECK(r.u(2) == 3);       // IN_PKTS
    CHECK(r.u(1) == 3 * 86);  // IN_BYTES: IP bytes
    CHECK(r.fields.at(1).size() == 8);
    CHECK(r.u(10) == 4);                  // INPUT_SNMP
    CHECK(r.u(61) == 0);                  // DIRECTION: ingress
    CHECK(r.u(56) == 0x525400000001ull);  // IN_SRC_MAC
    CHECK(r.u(80) == 0x525400000002ull);  // IN_DST_MAC
    CHECK(r.u(58) == 10);                 // SRC_VLAN
    CHECK(r.u(8) == 0x0a000003);          // IPV4_SRC_ADDR
    CHECK(r.u(12) == 0x0a000109);         // IPV4_DST_ADDR
    CHECK(r.u(4) == 6);                   // PROTOCOL
    CHECK(r.u(5) == 0x28);                // SRC_TOS
    CHECK(r.u(7) == 1234);                // L4_SRC_PORT
    CHECK(r.u(11) == 80);                 // L4_DST_PORT
    CHECK(r.u(32) == 0);                  // ICMP_TYPE
    CHECK(r.u(6) == 0x1b);                // TCP_FLAGS: 8 bits, NS dropped
    CHECK(r.fields.count(27) == 0);
    CHECK(p.records[1].u(2) == 4);
    const auto& v6 = p.records[2];
    CHECK(v6.template_id == 257);
    REQUIRE(v6.fields.at(27).size() == 16);
    CHECK(v6.fields.at(27)[0] == 0xfd);
    CHECK(v6.fields.at(28)[15] == 9);
    CHECK(v6.fields.count(8) == 0);
    CHECK(v6.u(2) == 5);
    CHECK(p.records[3].u(4) == 1);
    CHECK(p.records[3].u(32) == 0x0800);
}

TEST_CASE("v9: L2-only flows are skipped and counted, never encoded") {
    Netflow9Builder b(7, 1400);
    b.begin(clock_at(70'000), 0);
    CHECK(b.add_flow(record(FlowKind::kL2, 1)) == AddResult::kNotExported);
    CHECK(b.empty());
    CHECK(b.add_flow(record(FlowKind::kIpv4, 1)) == AddResult::kAdded);
    CHECK(b.add_flow(record(FlowKind::kL2, 2)) == AddResult::kNotExported);
    CHECK(b.skipped_not_ip() == 2);
    CHECK(b.records() == 1);
    auto p = decoder_with_templates().decode(bytes(b.finish()));
    CHECK(p.records.size() == 1);
    b.begin(clock_at(70'000), 1);
    CHECK(b.skipped_not_ip() == 0);  // per packet
}

TEST_CASE("v9: flow times before the exporter's boot are reported as uptime 0") {
    FlowRecord r = record(FlowKind::kIpv4, 1);
    r.c.first_ms = 10'000;
    r.c.last_ms = 60'000;
    Netflow9Builder b(7, 1400);
    b.begin(clock_at(70'000), 0);
    REQUIRE(b.add_flow(r) == AddResult::kAdded);
    auto p = decoder_with_templates().decode(bytes(b.finish()));
    CHECK(p.records.at(0).u(22) == 0);
    CHECK(p.records.at(0).u(21) == 0);
}

TEST_CASE("v9: sampling and interface-name options records, padded FlowSets") {
    Netflow9Decoder dec = decoder_with_templates();
    Netflow9Builder b(7, 1400);
    b.begin(clock_at(70'000), 2);
    REQUIRE(b.add_sampling({100, kV9SamplingRandom}));
    REQUIRE(b.add_interface(1, "web1-5254000a0001"));
    REQUIRE(b.add_interface(2, ""));
    REQUIRE(b.add_interface(3, std::string(40, 'x')));  // cut to 31 bytes and a zero
    REQUIRE(b.add_flow(record(FlowKind::kIpv4, 1)) == AddResult::kAdded);
    CHECK(b.records() == 5);
    auto m = bytes(b.finish());
    // header, sampling FlowSet (4 + 9 -> 16), interfaces (4 + 3 * 40), one IPv4 flow (4 + 60)
    CHECK(m.size() == 20 + 16 + 124 + 64);
    auto p = dec.decode(m);
    CHECK(p.flowsets == std::vector<uint16_t>{258, 259, 256});
    REQUIRE(p.records.size() == 5);
    const auto& s = p.records[0];
    CHECK(s.scopes.at(kV9ScopeSystem) == std::vector<uint8_t>{0, 0, 0, 7});
    CHECK(s.u(34) == 100);
    CHECK(s.u(35) == 2);
    CHECK(p.records[1].u(10) == 1);
    CHECK(p.records[1].text(83) == "web1-5254000a0001");
    CHECK(p.records[1].fields.at(83).size() == kV9InterfaceNameLen);
    CHECK(p.records[1].fields.count(82) == 0);
    CHECK(p.records[2].text(83).empty());
    CHECK(p.records[3].text(83) == std::string(31, 'x'));
    CHECK(p.records[3].fields.at(83).back() == 0);
    CHECK(p.records[4].template_id == 256);
}

TEST_CASE("v9: packets never exceed max_len, padding included") {
    SECTION("IPv6 flows fill a small packet exactly as far as they fit") {
        const uint16_t limit = 548;
        Netflow9Builder b(1, limit);
        b.begin(clock_at(70'000), 0);
        int n = 0;
        while (b.add_flow(record(FlowKind::kIpv6, 1)) == AddResult::kAdded) ++n;
        const size_t before = b.finish().size();
        CHECK(b.add_flow(record(FlowKind::kIpv6, 1)) == AddResult::kNoRoom);
        auto m = bytes(b.finish());
        CHECK(m.size() == before);  // a refused record leaves the packet as it was
        CHECK(m.size() <= limit);
        CHECK(n == (limit - 20 - 4) / 84);
        CHECK(decoder_with_templates().decode(m).records.size() == static_cast<size_t>(n));
    }
    SECTION("mixed records with padding, over many limits") {
        for (uint16_t limit = 24; limit <= 700; ++limit) {
            Netflow9Builder b(1, limit);
            Netflow9Decoder dec = decoder_with_templates();
            b.begin(clock_at(70'000), 0);
            size_t added = 0;
            for (int i = 0; i < 40; ++i) {
                bool ok = false;
                switch (i % 4) {
                    case 0: ok = b.add_sampling({}); break;
                    case 1: ok = b.add_interface(i, "port"); break;
                    case 2: ok = b.add_flow(record(FlowKind::kIpv4, 1)) == AddResult::kAdded; break;
                    case 3: ok = b.add_flow(record(FlowKind::kIpv6, 1)) == AddResult::kAdded; break;
                }
                added += ok;
            }
            auto m = bytes(b.finish());
            INFO("limit " << limit);
            CHECK(m.size() <= limit);
            CHECK(m.size() % 4 == 0);
            CHECK(dec.decode(m).records.size() == added);
        }
    }
    SECTION("templates need room too") {
        Netflow9Builder b(1, 100);
        b.begin(clock_at(70'000), 0);
        CHECK_FALSE(b.add_templates());
        CHECK(b.empty());
    }
}

TEST_CASE("v9: the sequence is whatever the caller counts (export packets sent)") {
    Netflow9Decoder dec = decoder_with_templates();
    Netflow9Builder b(7, 1400);
    for (uint32_t seq : {0u, 1u, 2u, 0xffffffffu}) {
        b.begin(clock_at(70'000), seq);
        b.add_flow(record(FlowKind::kIpv4, 1));
        CHECK(dec.decode(bytes(b.finish())).sequence == seq);
    }
}
