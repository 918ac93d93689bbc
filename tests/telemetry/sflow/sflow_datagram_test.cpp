#include "telemetry/sflow/sflow_datagram.h"

#include <array>
#include <catch2/catch.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "tests/telemetry/sflow/sflow_decoder.h"

using namespace vsw::telemetry::sflow;
using vsw::get_be32;
using vsw::test::SflowDecoder;

namespace {

// A frame of `len` bytes: 0, 1, 2, ... so that a copy shows where it was cut.
std::vector<uint8_t> frame(size_t len) {
    std::vector<uint8_t> f(len);
    std::iota(f.begin(), f.end(), uint8_t{0});
    return f;
}

PacketSample packet_sample(const std::vector<uint8_t>& f, uint32_t sequence) {
    PacketSample s;
    s.sequence = sequence;
    s.source_index = 3;
    s.sampling_rate = 400;
    s.sample_pool = 400 * sequence;
    s.drops = 2;
    s.input = Interface::port(3);
    s.output = Interface::port(5);
    s.frame = f;
    s.frame_length = static_cast<uint32_t>(f.size());
    s.vlans = SwitchData{10, 1, 20, 2};
    return s;
}

CountersSample counters_sample(uint32_t sequence, std::string_view name) {
    CountersSample s;
    s.sequence = sequence;
    s.source_index = 3;
    InterfaceCounters& c = s.counters;
    c.if_index = 3;
    c.if_speed = 10'000'000'000;
    c.in_octets = 0x1'0000'0001;
    c.in_unicast = 0x1'0000'0002;  // a Counter32 on the wire: wraps to 2
    c.in_multicast = 3;
    c.in_broadcast = 4;
    c.in_discards = 5;
    c.in_errors = 6;
    c.in_unknown_protos = 7;
    c.out_octets = 8;
    c.out_unicast = 9;
    c.out_multicast = 10;
    c.out_broadcast = 11;
    c.out_discards = 12;
    c.out_errors = 13;
    s.port_name = name;
    return s;
}

std::vector<uint8_t> bytes(std::span<const uint8_t> s) {
    return {s.begin(), s.end()};
}

AgentAddress agent4() {
    return AgentAddress::ipv4(0xc0a80001);  // 192.168.0.1
}

// Decodes a datagram that must be `size` bytes and hold one sample, of `format`.
vsw::test::SflowDatagram decode_single(std::span<const uint8_t> m, size_t size, uint32_t format) {
    CHECK(m.size() == size);
    auto d = SflowDecoder().decode(m);
    CHECK(d.sample_formats == std::vector<uint32_t>{format});
    return d;
}

// A flow or counters sample's sequence number and data source: port 3 (packet_sample() and
// counters_sample() sample there).
template <class Sample>
void check_source(const Sample& s, uint32_t sequence) {
    CHECK(s.sequence == sequence);
    CHECK(s.source_type == kSourceIfIndex);
    CHECK(s.source_index == 3);
}

}  // namespace

TEST_CASE("sflow: the datagram header, IPv4 and IPv6 agents") {
    DatagramBuilder b(agent4(), 7);
    b.begin(42, 123'456);
    CHECK(b.empty());
    auto m = bytes(b.finish());
    CHECK(m.size() == 28);
    auto d = SflowDecoder().decode(m);
    CHECK(d.address_type == 1);
    CHECK(d.agent == std::vector<uint8_t>{192, 168, 0, 1});
    CHECK(d.sub_agent_id == 7);
    CHECK(d.sequence == 42);
    CHECK(d.uptime == 123'456);
    CHECK(d.sample_formats.empty());

    std::array<uint8_t, 16> v6{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    DatagramBuilder b6(AgentAddress::ipv6(v6), 0);
    b6.begin(1, 0);
    REQUIRE(b6.add_counters_sample(counters_sample(1, "vm1")));
    m = bytes(b6.finish());
    d = SflowDecoder().decode(m);
    CHECK(d.address_type == 2);
    CHECK(d.agent == std::vector<uint8_t>(v6.begin(), v6.end()));
    CHECK(d.counters.size() == 1);
}

TEST_CASE("sflow: an expanded flow sample decodes to what was encoded") {
    const auto f = frame(64);
    DatagramBuilder b(agent4(), 0);
    b.begin(1, 1000);
    REQUIRE(b.add_packet_sample(packet_sample(f, 9)));
    CHECK(b.samples() == 1);
    // header 28, sample head 8 + fixed 44, raw header 8 + 16 + 64, extended switch 8 + 16
    const auto d = decode_single(bytes(b.finish()), 28 + 52 + 88 + 24, kFlowSampleExpanded);
    const auto& s = d.flows.at(0);
    check_source(s, 9);
    CHECK(s.sampling_rate == 400);
    CHECK(s.sample_pool == 3600);
    CHECK(s.drops == 2);
    CHECK(s.input_format == 0);
    CHECK(s.input_value == 3);
    CHECK(s.output_format == 0);
    CHECK(s.output_value == 5);
    CHECK(s.record_formats == std::vector<uint32_t>{1, 1001});
    CHECK(s.raw.protocol == 1);
    CHECK(s.raw.frame_length == 68);  // with the FCS the frame never had ...
    CHECK(s.raw.stripped == 4);       // ... and says it stripped
    CHECK(s.raw.header == f);
    CHECK(s.has_switch);
    CHECK(s.sw.src_vlan == 10);
    CHECK(s.sw.src_priority == 1);
    CHECK(s.sw.dst_vlan == 20);
    CHECK(s.sw.dst_priority == 2);
}

TEST_CASE("sflow: the header copy is cut at header_bytes and padded to 4") {
    const auto f = frame(1500);
    DatagramBuilder b(agent4(), 0);
    b.begin(1, 0);
    REQUIRE(b.add_packet_sample(packet_sample(f, 1)));
    auto d = SflowDecoder().decode(bytes(b.finish()));
    CHECK(d.flows.at(0).raw.frame_length == 1504);
    CHECK(d.flows.at(0).raw.header == std::vector<uint8_t>(f.begin(), f.begin() + 128));

    DatagramBuilder odd(agent4(), 0, 1400, 61);
    odd.begin(1, 0);
    const auto short_frame = frame(42);  // shorter than header_bytes: all of it
    REQUIRE(odd.add_packet_sample(packet_sample(f, 1)));
    REQUIRE(odd.add_packet_sample(packet_sample(short_frame, 2)));
    auto m = bytes(odd.finish());
    CHECK(m.size() % 4 == 0);
    d = SflowDecoder().decode(m);  // checks the padding is zeros
    CHECK(d.flows.at(0).raw.header.size() == 61);
    CHECK(d.flows.at(1).raw.header == short_frame);
}

TEST_CASE("sflow: output interfaces: a port, a flood, a discard, the switch itself") {
    const auto f = frame(60);
    DatagramBuilder b(agent4(), 0);
    b.begin(1, 0);
    for (Interface out : {Interface::port(5), Interface::flooded(7),
                          Interface::discarded(DiscardReason::kAcl), Interface::switch_itself()}) {
        PacketSample s = packet_sample(f, 1);
        s.output = out;
        REQUIRE(b.add_packet_sample(s));
    }
    PacketSample no_vlans = packet_sample(f, 5);
    no_vlans.vlans.reset();
    REQUIRE(b.add_packet_sample(no_vlans));
    auto d = SflowDecoder().decode(bytes(b.finish()));
    REQUIRE(d.flows.size() == 5);
    CHECK(d.flows[0].output_format == 0);
    CHECK(d.flows[1].output_format == 2);
    CHECK(d.flows[1].output_value == 7);
    CHECK(d.flows[2].output_format == 1);
    CHECK(d.flows[2].output_value == 258);
    CHECK(d.flows[3].output_format == 0);
    CHECK(d.flows[3].output_value == 0xffffffff);
    CHECK(d.flows[4].record_formats == std::vector<uint32_t>{1});
    CHECK_FALSE(d.flows[4].has_switch);
}

TEST_CASE("sflow: an expanded counters sample with the port's name") {
    DatagramBuilder b(agent4(), 0);
    b.begin(1, 0);
    REQUIRE(b.add_counters_sample(counters_sample(4, "web1-5254000a0001")));
    // header 28, sample head 8 + fixed 16, if_counters 8 + 88, port name 8 + 4 + 20 (17 + 3)
    const auto d = decode_single(bytes(b.finish()), 28 + 24 + 96 + 32, kCountersSampleExpanded);
    const auto& s = d.counters.at(0);
    check_source(s, 4);
    CHECK(s.record_formats == std::vector<uint32_t>{1, 1005});
    const auto& c = s.ifc;
    CHECK(c.if_index == 3);
    CHECK(c.if_type == 6);
    CHECK(c.if_speed == 10'000'000'000);
    CHECK(c.if_direction == 1);
    CHECK(c.if_status == 3);
    CHECK(c.in_octets == 0x1'0000'0001);
    CHECK(c.in_ucast == 2);
    CHECK(c.in_mcast == 3);
    CHECK(c.in_bcast == 4);
    CHECK(c.in_discards == 5);
    CHECK(c.in_errors == 6);
    CHECK(c.in_unknown == 7);
    CHECK(c.out_octets == 8);
    CHECK(c.out_ucast == 9);
    CHECK(c.out_mcast == 10);
    CHECK(c.out_bcast == 11);
    CHECK(c.out_discards == 12);
    CHECK(c.out_errors == 13);
    CHECK(c.promiscuous == 2);
    CHECK(s.has_port_name);
    CHECK(s.port_name == "web1-5254000a0001");
}

TEST_CASE("sflow: port names: none, 4-byte multiple, cut at 255") {
    DatagramBuilder b(agent4(), 0);
    b.begin(1, 0);
    REQUIRE(b.add_counters_sample(counters_sample(1, "")));
    REQUIRE(b.add_counters_sample(counters_sample(2, "vm12")));
    REQUIRE(b.add_counters_sample(counters_sample(3, std::string(300, 'n'))));
    auto d = SflowDecoder().decode(bytes(b.finish()));
    REQUIRE(d.counters.size() == 3);
    CHECK(d.counters[0].record_formats == std::vector<uint32_t>{1});
    CHECK(d.counters[1].port_name == "vm12");
    CHECK(d.counters[2].port_name == std::string(255, 'n'));
}

TEST_CASE("sflow: samples are added while they fit max_len, then refused") {
    const auto f = frame(200);
    for (uint16_t limit : {28, 100, 200, 300, 576, 1400, 1472}) {
        DatagramBuilder b(agent4(), 0, limit);
        b.begin(1, 0);
        uint32_t added = 0;
        for (uint32_t i = 0; i < 100; ++i) {
            const bool ok = i % 3 ? b.add_packet_sample(packet_sample(f, i))
                                  : b.add_counters_sample(counters_sample(i, "port-name"));
            if (!ok) {
                const size_t before = b.finish().size();
                CHECK_FALSE(b.add_packet_sample(packet_sample(f, i)));
                CHECK(b.finish().size() == before);  // a refused sample leaves no trace
                break;
            }
            ++added;
        }
        CHECK(b.samples() == added);
        auto m = bytes(b.finish());
        INFO("limit " << limit);
        CHECK(m.size() <= limit);
        auto d = SflowDecoder().decode(m);
        CHECK(d.flows.size() + d.counters.size() == added);
    }
    // 1400 bytes hold 6 samples of a 200-byte frame (8 + 44 + 8 + 16 + 128 + 8 + 16 = 228 each).
    DatagramBuilder b(agent4(), 0);
    b.begin(1, 0);
    uint32_t n = 0;
    while (b.add_packet_sample(packet_sample(f, n + 1))) ++n;
    CHECK(n == (1400 - 28) / 228);
}

TEST_CASE("sflow: sequence numbers are the caller's (datagram and per-source samples)") {
    const auto f = frame(60);
    DatagramBuilder b(agent4(), 3);
    SflowDecoder dec;
    for (uint32_t seq : {1u, 2u, 0xffffffffu}) {
        b.begin(seq, seq * 10);
        REQUIRE(b.add_packet_sample(packet_sample(f, seq + 100)));
        REQUIRE(b.add_counters_sample(counters_sample(seq + 200, "p")));
        auto d = dec.decode(bytes(b.finish()));
        CHECK(d.sequence == seq);
        CHECK(d.flows.at(0).sequence == seq + 100);
        CHECK(d.counters.at(0).sequence == seq + 200);
        CHECK(d.sample_formats == std::vector<uint32_t>{3, 4});
    }
}

TEST_CASE("one datagram, several collectors: each gets its own sequence number") {
    for (const bool v6 : {false, true}) {
        uint8_t address[16] = {0x20, 0x01, 0x0d, 0xb8};
        DatagramBuilder b(v6 ? AgentAddress::ipv6(address) : AgentAddress::ipv4(0x0a000001), 3);
        b.begin(0, 1000);
        CountersSample s;
        s.sequence = 1;
        s.source_index = 1;
        REQUIRE(b.add_counters_sample(s));
        const auto bytes = b.finish();
        std::vector<uint8_t> copy(bytes.begin(), bytes.end());
        set_datagram_sequence(copy, 77);
        const size_t at = v6 ? 28 : 16;  // version, address type, address, sub-agent
        CHECK(get_be32(copy.data() + at) == 77);
        CHECK(get_be32(copy.data() + at - 4) == 3);     // the sub-agent id is untouched
        CHECK(get_be32(copy.data() + at + 4) == 1000);  // and the uptime
        std::vector<uint8_t> tiny(6, 0);
        set_datagram_sequence(tiny, 1);  // too short: left alone
        CHECK(tiny == std::vector<uint8_t>(6, 0));
    }
}
