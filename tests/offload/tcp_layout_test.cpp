#include "offload/tcp_layout.h"

#include <catch2/catch.hpp>
#include <vector>

#include "tests/support/tcp_frames.h"

using namespace vsw::offload;
using vsw::test::put16;
using vsw::test::tcp_frame;
using vsw::test::TcpFrameSpec;

namespace {

const char* layout(const std::vector<uint8_t>& f, L4Layout& l, uint32_t first_len = 0) {
    return read_tcp_layout(f.data(), first_len ? first_len : static_cast<uint32_t>(f.size()),
                           static_cast<uint32_t>(f.size()), l);
}

}  // namespace

TEST_CASE("TCP layouts are read from the frame's bytes: IPv4, IPv6, a tag, TCP options") {
    L4Layout l;
    CHECK(layout(tcp_frame({}), l) == nullptr);
    CHECK((l.l2_len == 14 && l.l3_len == 20 && l.l4_len == 20 && l.l3 == L3::kIpv4));
    CHECK(layout(tcp_frame({.ipv6 = true, .tagged = true, .tcp_options = 12}), l) == nullptr);
    CHECK((l.l2_len == 18 && l.l3_len == 40 && l.l4_len == 32 && l.l3 == L3::kIpv6));
    CHECK(l.headers() == 90);
}

TEST_CASE("frames that cannot be segmented are refused with the reason") {
    L4Layout l;
    auto f = tcp_frame({.tagged = true});
    put16(f, 16, 0x8100);
    CHECK_THAT(layout(f, l), Catch::Contains("stacked"));
    f = tcp_frame({});
    put16(f, 14 + 6, 0x2000);  // MF
    CHECK_THAT(layout(f, l), Catch::Contains("fragment"));
    f = tcp_frame({});
    f[14 + 9] = 47;  // GRE
    CHECK_THAT(layout(f, l), Catch::Contains("not TCP"));
    f = tcp_frame({});
    f[14] = 0x44;
    CHECK_THAT(layout(f, l), Catch::Contains("below 20"));
    f = tcp_frame({.ipv6 = true});
    f[14 + 6] = 0;  // hop-by-hop options
    CHECK_THAT(layout(f, l), Catch::Contains("extension headers"));
    f = tcp_frame({});
    f[14 + 20 + 12] = 0x40;
    CHECK_THAT(layout(f, l), Catch::Contains("data offset"));
    f = tcp_frame({});
    put16(f, 14 + 2, 900);
    CHECK_THAT(layout(f, l), Catch::Contains("IP length"));
    f = tcp_frame({});
    CHECK_THAT(layout(f, l, 40), Catch::Contains("first segment"));
    f = tcp_frame({});
    put16(f, 12, 0x0806);
    CHECK_THAT(layout(f, l), Catch::Contains("neither"));
    CHECK_THAT(layout(std::vector<uint8_t>(10), l), Catch::Contains("shorter"));
}

TEST_CASE("a guest's segment size is checked against the MTU and the segment count") {
    L4Layout l;
    REQUIRE(layout(tcp_frame({.payload = 60000}), l) == nullptr);
    CHECK(check_tso(l, 60054, 1460, 1500) == nullptr);
    CHECK_THAT(check_tso(l, 60054, 1461, 1500), Catch::Contains("MTU"));
    CHECK_THAT(check_tso(l, 60054, 63, 1500), Catch::Contains("64 bytes"));
    CHECK_THAT(check_tso(l, 60054, 900, 1500), Catch::Contains("64 segments"));
    CHECK_THAT(check_tso(l, 54, 1460, 1500), Catch::Contains("no payload"));
}
