#include "telemetry/netflow/netflow5_message.h"

#include <catch2/catch.hpp>
#include <span>
#include <stdexcept>
#include <vector>

#include "core/bytes.h"
#include "tests/support/flow_records.h"

using namespace vsw::telemetry;
using namespace vsw::telemetry::netflow;
using vsw::test::flow_record;
using vsw::test::frames;
using vsw::test::set_ipv4;

namespace {

// A strict NetFlow v5 decoder: the length must be exactly header + count records, at most 30,
// and every field the encoder never sets (next hop, output, AS numbers, masks, pads) zero.
struct V5Record {
    uint32_t src = 0, dst = 0;
    uint16_t input = 0;
    uint32_t packets = 0, octets = 0, first = 0, last = 0;
    uint16_t src_port = 0, dst_port = 0;
    uint8_t tcp_flags = 0, protocol = 0, tos = 0;
};

struct V5Packet {
    uint16_t count = 0;
    uint32_t sys_uptime = 0, unix_secs = 0, unix_nsecs = 0, flow_sequence = 0;
    uint8_t engine_type = 0, engine_id = 0;
    uint16_t sampling = 0;
    std::vector<V5Record> records;
};

using vsw::get_be16;
using vsw::get_be32;

V5Packet decode(std::span<const uint8_t> m) {
    if (m.size() < 24) throw std::runtime_error("shorter than the header");
    if (get_be16(&m[0]) != 5) throw std::runtime_error("version != 5");
    V5Packet d;
    d.count = get_be16(&m[2]);
    if (d.count > 30) throw std::runtime_error("more than 30 records");
    if (m.size() != 24u + 48u * d.count) throw std::runtime_error("length != 24 + 48 * count");
    d.sys_uptime = get_be32(&m[4]);
    d.unix_secs = get_be32(&m[8]);
    d.unix_nsecs = get_be32(&m[12]);
    if (d.unix_nsecs >= 1'000'000'000) throw std::runtime_error("unix_nsecs >= 1 s");
    d.flow_sequence = get_be32(&m[16]);
    d.engine_type = m[20];
    d.engine_id = m[21];
    d.sampling = get_be16(&m[22]);
    for (size_t i = 0; i < d.count; ++i) {
        const uint8_t* p = &m[24 + 48 * i];
        V5Record r;
        r.src = get_be32(p);
        r.dst = get_be32(p + 4);
        if (get_be32(p + 8) != 0) throw std::runtime_error("next hop set");
        r.input = get_be16(p + 12);
        if (get_be16(p + 14) != 0) throw std::runtime_error("output set");
        r.packets = get_be32(p + 16);
        r.octets = get_be32(p + 20);
        r.first = get_be32(p + 24);
        r.last = get_be32(p + 28);
        if (r.first > r.last) throw std::runtime_error("first after last");
        r.src_port = get_be16(p + 32);
        r.dst_port = get_be16(p + 34);
        if (p[36] != 0) throw std::runtime_error("pad1 set");
        r.tcp_flags = p[37];
        r.protocol = p[38];
        r.tos = p[39];
        for (int b = 40; b < 48; ++b)  // AS numbers, masks, pad2
            if (p[b] != 0) throw std::runtime_error("AS, mask or pad2 set");
        d.records.push_back(r);
    }
    return d;
}

// A UDP flow of n packets, 192.168.0.n:5353 -> 192.168.1.1:53.
FlowRecord record(FlowKind kind, uint32_t n) {
    FlowRecord r = flow_record(kind, 17, 5353, 53);
    set_ipv4(r.key, {192, 168, 0, static_cast<uint8_t>(n)}, {192, 168, 1, 1});
    r.reason = FlowEndReason::kActive;
    r.c = frames(n, 0, 60, 5'000, 9'000);
    r.c.tos = 0xb8;
    return r;
}

ExportClock clock_at(uint64_t now_ms) {
    ExportClock c;
    c.now_ms = now_ms;
    c.boot_ms = 0;  // the exporter's uptime is the switch clock
    c.unix_ms = 1'700'000'000'123;
    return c;
}

std::vector<uint8_t> bytes(std::span<const uint8_t> s) {
    return {s.begin(), s.end()};
}

}  // namespace

TEST_CASE("v5: header and records decode to what was encoded") {
    Netflow5Builder b(1, 2, {1, 100});
    b.begin(clock_at(10'000), 77);
    CHECK(b.empty());
    REQUIRE(b.add_flow(record(FlowKind::kIpv4, 3)) == AddResult::kAdded);
    FlowRecord tcp = record(FlowKind::kIpv4, 4);
    tcp.key.protocol = 6;
    tcp.c.tcp_flags = 0x112;  // NS + ACK SYN
    REQUIRE(b.add_flow(tcp) == AddResult::kAdded);
    FlowRecord icmp = record(FlowKind::kIpv4, 5);
    icmp.key.protocol = 1;
    icmp.key.src_port = icmp.key.dst_port = 0;
    icmp.key.icmp_type_code = 0x0303;  // port unreachable
    REQUIRE(b.add_flow(icmp) == AddResult::kAdded);
    CHECK(b.records() == 3);
    auto p = decode(bytes(b.finish()));
    CHECK(p.count == 3);
    CHECK(p.sys_uptime == 10'000);
    CHECK(p.unix_secs == 1'700'000'000);
    CHECK(p.unix_nsecs == 123'000'000);
    CHECK(p.flow_sequence == 77);
    CHECK(p.engine_type == 1);
    CHECK(p.engine_id == 2);
    CHECK(p.sampling == (1 << 14 | 100));
    const auto& r = p.records[0];
    CHECK(r.src == 0xc0a80003);
    CHECK(r.dst == 0xc0a80101);
    CHECK(r.input == 4);
    CHECK(r.packets == 3);
    CHECK(r.octets == 180);
    CHECK(r.first == 5'000);
    CHECK(r.last == 9'000);
    CHECK(r.src_port == 5353);
    CHECK(r.dst_port == 53);
    CHECK(r.protocol == 17);
    CHECK(r.tos == 0xb8);
    CHECK(p.records[1].tcp_flags == 0x12);   // 8 bits: NS dropped
    CHECK(p.records[2].dst_port == 0x0303);  // ICMP type * 256 + code
    CHECK(p.records[2].src_port == 0);
}

TEST_CASE("v5: IPv4 only: IPv6 and L2-only flows are skipped and counted") {
    Netflow5Builder b(0, 0, {});
    b.begin(clock_at(10'000), 0);
    CHECK(b.add_flow(record(FlowKind::kIpv6, 1)) == AddResult::kNotExported);
    CHECK(b.add_flow(record(FlowKind::kL2, 1)) == AddResult::kNotExported);
    CHECK(b.empty());
    CHECK(b.add_flow(record(FlowKind::kIpv4, 1)) == AddResult::kAdded);
    CHECK(b.skipped_not_ipv4() == 2);
    CHECK(decode(bytes(b.finish())).records.size() == 1);
}

TEST_CASE("v5: at most 30 records a packet, fewer for a smaller max_len") {
    Netflow5Builder b(0, 0, {});
    b.begin(clock_at(10'000), 0);
    int n = 0;
    while (b.add_flow(record(FlowKind::kIpv4, 1)) == AddResult::kAdded) ++n;
    CHECK(n == 30);
    auto m = bytes(b.finish());
    CHECK(m.size() == kV5MaxLen);
    CHECK(decode(m).count == 30);

    Netflow5Builder small(0, 0, {}, 548);
    small.begin(clock_at(10'000), 0);
    n = 0;
    while (small.add_flow(record(FlowKind::kIpv4, 1)) == AddResult::kAdded) ++n;
    CHECK(n == (548 - 24) / 48);
    CHECK(small.finish().size() <= 548);
}

TEST_CASE("v5: counts beyond 32 bits become several records that add up") {
    FlowRecord big = record(FlowKind::kIpv4, 1);
    big.c.packets = 5'000'000'000;        // 2 records' worth
    big.c.ip_octets = 9'000'000'000'000;  // 2096 records' worth: capped at one packet's 30
    FlowRecord pair = record(FlowKind::kIpv4, 3);
    pair.c.packets = 3'000'000;
    pair.c.ip_octets = 6'000'000'000;  // 2 records

    Netflow5Builder b(0, 0, {});
    b.begin(clock_at(10'000), 0);
    REQUIRE(b.add_flow(pair) == AddResult::kAdded);
    CHECK(b.records() == 2);
    auto p = decode(bytes(b.finish()));
    REQUIRE(p.count == 2);
    CHECK(uint64_t{p.records[0].packets} + p.records[1].packets == 3'000'000);
    CHECK(uint64_t{p.records[0].octets} + p.records[1].octets == 6'000'000'000);
    CHECK(p.records[0].src == p.records[1].src);

    // A flow that needs more records than a packet holds waits for an empty packet, then
    // saturates at 30 records of 2^32 - 1.
    b.begin(clock_at(10'000), 2);
    REQUIRE(b.add_flow(record(FlowKind::kIpv4, 4)) == AddResult::kAdded);
    CHECK(b.add_flow(big) == AddResult::kNoRoom);
    CHECK(b.records() == 1);
    b.begin(clock_at(10'000), 3);
    REQUIRE(b.add_flow(big) == AddResult::kAdded);
    p = decode(bytes(b.finish()));
    REQUIRE(p.count == 30);
    uint64_t packets = 0;
    for (const auto& r : p.records) {
        packets += r.packets;
        CHECK(r.octets == 0xffffffff);
    }
    CHECK(packets == 5'000'000'000);
}

TEST_CASE("v5: the sampling interval has 14 bits") {
    Netflow5Builder b(0, 0, {2, 20'000});
    b.begin(clock_at(10'000), 0);
    auto p = decode(bytes(b.finish()));
    CHECK(p.sampling >> 14 == 2);
    CHECK((p.sampling & 0x3fff) == kV5MaxSamplingInterval);
}

TEST_CASE("v5: flow_sequence is whatever the caller counts (flows sent before)") {
    Netflow5Builder b(0, 0, {});
    uint32_t sent = 0;
    for (int packet = 0; packet < 3; ++packet) {
        b.begin(clock_at(10'000), sent);
        for (int i = 0; i <= packet; ++i) b.add_flow(record(FlowKind::kIpv4, 1));
        auto p = decode(bytes(b.finish()));
        CHECK(p.flow_sequence == sent);
        sent += b.records();
    }
    CHECK(sent == 6);
}
