#include "telemetry/capture/pcapng_writer.h"

#include <catch2/catch.hpp>
#include <cstring>

using namespace vsw;

namespace {

uint32_t u32(const std::string& b, size_t at) {
    uint32_t v;
    std::memcpy(&v, b.data() + at, 4);
    return v;
}

// Every block: a multiple of 4 bytes, its length at both ends.
void check_block(const std::string& b, uint32_t type) {
    REQUIRE(b.size() % 4 == 0);
    CHECK(u32(b, 0) == type);
    CHECK(u32(b, 4) == b.size());
    CHECK(u32(b, b.size() - 4) == b.size());
}

}  // namespace

TEST_CASE("pcapng blocks are framed as the format says") {
    const PcapngWriter w;
    const std::string shb = w.section("vswctl test");
    check_block(shb, 0x0A0D0D0A);
    CHECK(u32(shb, 8) == 0x1A2B3C4D);
    CHECK(shb.find("vswctl test") != std::string::npos);
    const std::string idb = w.interface("vm1", "vsw port vm1", 128);
    check_block(idb, 1);
    CHECK(u32(idb, 8) == 1);  // Ethernet, reserved 0
    CHECK(u32(idb, 12) == 128);
    for (size_t len : {0, 1, 2, 3, 4, 61}) {
        const std::string epb = w.packet(0, 0x0000000100000002ull, std::string(len, 'x'), 1500, 2);
        check_block(epb, 6);
        CHECK(u32(epb, 12) == 1);  // timestamp high
        CHECK(u32(epb, 16) == 2);  // and low
        CHECK(u32(epb, 20) == len);
        CHECK(u32(epb, 24) == 1500);
        const size_t options = 28 + (len + 3) / 4 * 4;
        CHECK(u32(epb, options) == (4u << 16 | 2));  // epb_flags, 4 bytes
        CHECK(u32(epb, options + 4) == 2);           // outbound
    }
    check_block(w.statistics(0, 1, 2, 10, 3), 5);
}
