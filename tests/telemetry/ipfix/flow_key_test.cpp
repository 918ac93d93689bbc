#include "telemetry/ipfix/flow_key.h"

#include <catch2/catch.hpp>
#include <cstring>

#include "tests/support/frames.h"

using namespace vsw::telemetry;
using namespace vsw::test;

namespace {

FlowKey read(const std::vector<uint8_t>& f, FlowSample& s, uint16_t vlan = 0) {
    FlowKey k;
    read_flow_key(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()), 3,
                  vlan, k, s);
    return k;
}

}  // namespace

TEST_CASE("flow key of a tagged IPv4 TCP frame") {
    auto f = eth(0x0800, 10);
    ipv4(f, 6, 20 + 100, 1, 2, 0, 0xb8);
    tcp(f, 40000, 80, 0x12);  // SYN ACK
    f.insert(f.end(), 100, 0);
    FlowSample s;
    const FlowKey k = read(f, s, 10);
    CHECK(k.kind == FlowKind::kIpv4);
    CHECK(k.in_port == 3);
    CHECK(k.vlan == 10);
    CHECK(k.ethertype == 0x0800);
    CHECK(k.protocol == 6);
    CHECK(k.src_port == 40000);
    CHECK(k.dst_port == 80);
    CHECK(k.src_ip[3] == 1);
    CHECK(k.dst_ip[3] == 2);
    CHECK(k.src_mac[5] == 1);
    CHECK(k.dst_mac[5] == 2);
    CHECK(s.tcp_flags == 0x12);
    CHECK(s.ip_octets == 140);
    CHECK(s.l2_octets == f.size());
    CHECK(s.tos == 0xb8);
}

TEST_CASE("flow key: UDP, ICMP, fragments, IPv6, L2") {
    FlowSample s;
    auto u = eth(0x0800);
    ipv4(u, 17, 8 + 10);
    udp(u, 53, 5353, 10);
    FlowKey k = read(u, s);
    CHECK((k.src_port == 53 && k.dst_port == 5353 && k.protocol == 17));

    auto icmp = eth(0x0800);
    ipv4(icmp, 1, 8);
    icmp.insert(icmp.end(), {8, 0, 0, 0, 0, 1, 0, 1});  // echo request
    k = read(icmp, s);
    CHECK(k.icmp_type_code == 0x0800);
    CHECK(k.src_port == 0);

    auto frag = eth(0x0800);
    ipv4(frag, 17, 8 + 10, 1, 2, /*offset*/ 100);
    udp(frag, 53, 5353, 10);  // bytes that look like ports but are payload
    k = read(frag, s);
    CHECK(k.protocol == 17);
    CHECK(k.src_port == 0);

    auto v6 = eth(0x86dd);
    v6.insert(v6.end(), {0x60, 0x00, 0, 0});
    put16(v6, 8 + 8);              // payload: hop-by-hop + UDP header
    v6.insert(v6.end(), {0, 64});  // next header: hop-by-hop
    for (int i = 0; i < 32; ++i) v6.push_back(static_cast<uint8_t>(i));
    v6.insert(v6.end(), {17, 0, 1, 4, 0, 0, 0, 0});  // hop-by-hop -> UDP, 8 bytes
    udp(v6, 1000, 2000, 0);
    k = read(v6, s);
    CHECK(k.kind == FlowKind::kIpv6);
    CHECK(k.protocol == 17);
    CHECK(k.src_port == 1000);
    CHECK(k.dst_port == 2000);
    CHECK(k.src_ip[15] == 15);
    CHECK(k.dst_ip[0] == 16);
    CHECK(s.ip_octets == 40 + 16);

    auto arp = eth(0x0806);
    arp.insert(arp.end(), 28, 0);
    k = read(arp, s);
    CHECK(k.kind == FlowKind::kL2);
    CHECK(k.ethertype == 0x0806);
    CHECK(s.ip_octets == 0);
}

TEST_CASE("flow key of truncated frames reads only what is there") {
    auto f = eth(0x0800);
    ipv4(f, 6, 20);
    tcp(f, 1, 2, 0x02);
    for (size_t len = 0; len <= f.size(); ++len) {
        std::vector<uint8_t> cut(f.begin(), f.begin() + static_cast<long>(len));
        cut.shrink_to_fit();  // so that ASan sees a read past the end
        FlowKey k;
        FlowSample s;
        read_flow_key(cut.data(), static_cast<uint32_t>(len), 1500, 1, 0, k, s);
        CHECK(s.l2_octets == 1500);
        if (len < 14 + 20) CHECK(k.kind == FlowKind::kL2);
        if (len >= 14 + 20 + 4) CHECK(k.dst_port == 2);
        if (len < 14 + 20 + 4) CHECK(k.dst_port == 0);
    }
}

TEST_CASE("equal frames give equal keys with zeroed padding") {
    auto f = eth(0x0800);
    ipv4(f, 17, 8);
    udp(f, 1, 2, 0);
    FlowKey a, b;
    FlowSample s;
    memset(&a, 0xff, sizeof a);
    memset(&b, 0x11, sizeof b);
    read_flow_key(f.data(), static_cast<uint32_t>(f.size()), 64, 1, 0, a, s);
    read_flow_key(f.data(), static_cast<uint32_t>(f.size()), 64, 1, 0, b, s);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
}
