#include "core/ipv4.h"

#include <catch2/catch.hpp>
#include <cstring>

#include "core/bytes.h"

using namespace vsw;

TEST_CASE("ipv4: addresses and prefixes") {
    uint32_t ip = 0;
    uint8_t len = 0;
    CHECK((parse_ipv4("10.1.2.3", ip) && ip == 0x0a010203));
    CHECK(format_ipv4(0x0a010203) == "10.1.2.3");
    CHECK(!parse_ipv4("10.1.2", ip));
    CHECK((parse_ipv4_prefix("10.1.2.3/16", ip, len) && ip == 0x0a010203 && len == 16));
    CHECK((parse_ipv4_prefix("10.1.2.3", ip, len) && len == 32));
    CHECK((parse_ipv4_prefix("0.0.0.0/0", ip, len) && len == 0));
    CHECK(!parse_ipv4_prefix("10.1.2.3/33", ip, len));
    CHECK(!parse_ipv4_prefix("10.1.2.3/a", ip, len));
    CHECK(same_subnet(0x0a010203, 0x0a01ffff, 16));
    CHECK(!same_subnet(0x0a010203, 0x0a02ffff, 16));
    CHECK(same_subnet(1, 0xffffffff, 0));
    CHECK(!same_subnet(0x0a010203, 0x0a010204, 32));
}

TEST_CASE("ipv4: the tunnel header template and its checksum") {
    uint8_t h[20];
    write_ipv4_template(h, 0xc0a80001, 0xc0a800c7, 17, 64, 46);
    finish_ipv4_header(h, 0x0073, 0);
    // RFC 1071's worked example style: the header sums to 0xffff with its checksum.
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += get_be16(h + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    CHECK(sum == 0xffff);
    CHECK(h[0] == 0x45);
    CHECK(h[1] == 46 << 2);
    CHECK(get_be16(h + 2) == 0x73);
    CHECK(h[8] == 64);
    CHECK(h[9] == 17);
    CHECK(get_be32(h + 12) == 0xc0a80001);
    // The well-known header 4500 0073 0000 4000 4011 xxxx c0a8 0001 c0a8 00c7 has checksum b861.
    uint8_t w[20];
    write_ipv4_template(w, 0xc0a80001, 0xc0a800c7, 17, 64, 0);
    w[6] = 0x40;
    seal_ipv4_template(w);
    finish_ipv4_header(w, 0x0073, 0);
    CHECK(get_be16(w + 10) == 0xb861);
}

TEST_CASE("ipv4: the updated checksum is the one a full pass computes, for every length and id") {
    uint8_t t[20];
    write_ipv4_template(t, 0x0a630001, 0x0a630002, 17, 64, 0);
    t[6] = 0x40;
    seal_ipv4_template(t);
    for (uint32_t len = 0; len <= 0xffff; len += 251)
        for (uint32_t id = 0; id <= 0xffff; id += 257) {
            uint8_t h[20];
            std::memcpy(h, t, sizeof h);
            finish_ipv4_header(h, static_cast<uint16_t>(len), static_cast<uint16_t>(id));
            REQUIRE(get_be16(h + 10) == ipv4_header_checksum(h));
        }
}
