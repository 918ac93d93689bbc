#include "core/arp.h"

#include <catch2/catch.hpp>
#include <vector>

using namespace vsw;

namespace {

std::vector<uint8_t> reply(uint16_t op = 2, uint16_t ethertype = 0x0806,
                           Mac sender = 0x525400aabbcc) {
    std::vector<uint8_t> f(kArpFrameLen, 0);
    build_arp_request(f.data(), 0x020000000001, 0xc0000201, 0xc0000202);  // start from a request...
    f[12] = static_cast<uint8_t>(ethertype >> 8);
    f[13] = static_cast<uint8_t>(ethertype);
    f[21] = static_cast<uint8_t>(op);  // ...made a reply from 192.0.2.2
    for (int i = 0; i < 6; ++i) f[22 + i] = static_cast<uint8_t>(sender >> (40 - 8 * i));
    f[28] = 192, f[29] = 0, f[30] = 2, f[31] = 2;
    return f;
}

}  // namespace

TEST_CASE("an ARP request asks for the target from our address, broadcast") {
    uint8_t f[kArpFrameLen];
    build_arp_request(f, 0x027673000201, 0xc0000201, 0xc0000202);
    const std::vector<uint8_t> expected = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x76, 0x73, 0x00,
        0x02, 0x01, 0x08, 0x06,                                    // Ethernet
        0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01,            // request
        0x02, 0x76, 0x73, 0x00, 0x02, 0x01, 192,  0,    2,    1,   // sender
        0,    0,    0,    0,    0,    0,    192,  0,    2,    2};  // target
    CHECK(std::vector<uint8_t>(f, f + kArpFrameLen) == expected);
    CHECK_FALSE(parse_arp_reply(f, kArpFrameLen));  // a request is not a reply
}

TEST_CASE("ARP replies are read; anything else is not") {
    auto r = reply();
    auto parsed = parse_arp_reply(r.data(), r.size());
    REQUIRE(parsed);
    CHECK(parsed->sender_ip == 0xc0000202);
    CHECK(parsed->sender_mac == 0x525400aabbcc);
    CHECK_FALSE(parse_arp_reply(r.data(), r.size() - 1));  // short
    r = reply(1);
    CHECK_FALSE(parse_arp_reply(r.data(), r.size()));  // a request
    r = reply(2, 0x0800);
    CHECK_FALSE(parse_arp_reply(r.data(), r.size()));  // not ARP
    r = reply(2, 0x0806, 0xffffffffffff);
    CHECK_FALSE(parse_arp_reply(r.data(), r.size()));  // broadcast sender
    r = reply();
    r[18] = 8;
    CHECK_FALSE(parse_arp_reply(r.data(), r.size()));  // not IPv4-over-Ethernet
}
