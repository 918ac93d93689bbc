// Software segmentation over real mbufs (runs inside pipeline_tests, which sets up the EAL),
// checked against an independent reference: checksums recomputed over the flat bytes, payloads
// concatenated back, lengths, ids, sequence numbers and flags as a NIC sets them.
#include "offload/tcp_segment.h"

#include <rte_mbuf.h>

#include <catch2/catch.hpp>
#include <vector>

#include "tests/support/datapath_fixture.h"
#include "tests/support/mbuf_chain.h"
#include "tests/support/tcp_frames.h"

using namespace vsw;
using namespace vsw::offload;
using namespace vsw::test;

namespace {

uint32_t be32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | p[2] << 8 | p[3];
}
uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// Segments `spec`'s frame (cut at `cuts`) at `mss` and checks every segment against the reference.
void check_segmentation(const TcpFrameSpec& spec, uint16_t mss, std::vector<size_t> cuts) {
    const std::vector<uint8_t> bytes = tcp_frame(spec);
    rte_mbuf* m = chain(bytes, cuts);
    L4Layout l;
    REQUIRE(read_tcp_layout(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, m->pkt_len, l) ==
            nullptr);
    rte_mbuf* out[kMaxSegments];
    const uint16_t n = segment_tcp(m, l, mss, g_pool, out);
    const uint32_t expect = (spec.payload + mss - 1) / mss;
    REQUIRE(n == expect);
    std::vector<uint8_t> payload;
    const size_t hlen = l.headers(), l2 = l.l2_len, l4 = l.l2_len + l.l3_len;
    for (uint16_t i = 0; i < n; ++i) {
        INFO("segment " << i);
        const std::vector<uint8_t> s = flat(out[i]);
        const size_t len = std::min<size_t>(mss, spec.payload - size_t{i} * mss);
        REQUIRE(s.size() == hlen + len);
        CHECK(std::equal(s.begin(), s.begin() + 12, bytes.begin()));  // MACs
        if (spec.ipv6) {
            CHECK(be16(&s[l2 + 4]) == l.l4_len + len);
        } else {
            CHECK(be16(&s[l2 + 2]) == l.l3_len + l.l4_len + len);
            CHECK(be16(&s[l2 + 4]) == static_cast<uint16_t>(spec.ip_id + i));
            CHECK(ipv4_checksum_ok(s, l2));
        }
        CHECK(be32(&s[l4 + 4]) == spec.seq + i * mss);
        const uint8_t f = s[l4 + 13];
        const bool last = i + 1 == n, first = i == 0;
        CHECK(bool(f & 0x01) == (last && (spec.flags & 0x01)));   // FIN
        CHECK(bool(f & 0x08) == (last && (spec.flags & 0x08)));   // PSH
        CHECK(bool(f & 0x80) == (first && (spec.flags & 0x80)));  // CWR
        CHECK(bool(f & 0x10) == bool(spec.flags & 0x10));         // ACK everywhere
        CHECK(tcp_checksum_ok(s, l2, spec.ipv6));
        payload.insert(payload.end(), s.begin() + static_cast<long>(hlen), s.end());
    }
    CHECK(payload == std::vector<uint8_t>(bytes.begin() + static_cast<long>(hlen), bytes.end()));
    CHECK(flat(m) == bytes);  // the original is untouched
    for (uint16_t i = 0; i < n; ++i) rte_pktmbuf_free(out[i]);
    rte_pktmbuf_free(m);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

}  // namespace

TEST_CASE("TCP/IPv4: a 64 KB frame in 2 KB mbufs becomes MSS-sized segments a NIC would send") {
    check_segmentation({.flags = 0x99, .payload = 65000}, 1448, {});  // CWR|ACK|PSH|FIN
}

TEST_CASE("TCP/IPv6 with a tag and options, chained at odd offsets, last segment short") {
    check_segmentation(
        {.ipv6 = true, .tagged = true, .flags = 0x18, .tcp_options = 12, .payload = 9001}, 1000,
        {101, 1000, 1777, 4001, 4002});
}

TEST_CASE("segments may start and end inside one mbuf or across several") {
    check_segmentation({.payload = 3000}, 100, {60, 61, 62, 2000});
    check_segmentation({.payload = 64}, 64, {});
}

TEST_CASE("a pool that runs dry leaves nothing allocated") {
    rte_mempool* small =
        rte_pktmbuf_pool_create("segment_test_small", 16, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    REQUIRE(small != nullptr);
    rte_mbuf* m = chain(tcp_frame({.payload = 20000}), {});
    L4Layout l;
    REQUIRE(read_tcp_layout(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, m->pkt_len, l) ==
            nullptr);
    rte_mbuf* out[kMaxSegments];
    CHECK(segment_tcp(m, l, 500, small, out) == 0);
    CHECK(rte_mempool_in_use_count(small) == 0);
    rte_pktmbuf_free(m);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
    rte_mempool_free(small);
}

TEST_CASE("a partial checksum is completed in a copy of the headers, TCP and UDP, chained") {
    for (const TcpFrameSpec& spec :
         {TcpFrameSpec{.payload = 5000}, TcpFrameSpec{.ipv6 = true, .payload = 0},
          TcpFrameSpec{.ipv6 = true, .tagged = true, .payload = 3001, .udp = true},
          TcpFrameSpec{.payload = 77, .udp = true}}) {
        std::vector<uint8_t> bytes = tcp_frame(spec);
        const size_t l2 = spec.tagged ? 18 : 14, l4 = l2 + (spec.ipv6 ? 40 : 20);
        bytes[l4 + (spec.udp ? 6 : 16)] = 0xab;  // what a guest leaves there
        rte_mbuf* m = chain(bytes, {61, 1000});
        L4Layout l;
        const std::vector<uint8_t> whole = flat(m);  // the headers span the first two mbufs
        REQUIRE(read_l4_layout(whole.data(), static_cast<uint32_t>(whole.size()),
                               static_cast<uint32_t>(whole.size()), l) == nullptr);
        rte_mbuf* done = with_checksum(m, l, g_pool);
        REQUIRE(done != nullptr);
        const std::vector<uint8_t> out = flat(done);
        CHECK(out.size() == bytes.size());
        CHECK(tcp_checksum_ok(out, l2, spec.ipv6, spec.udp ? 17 : 6));
        CHECK(flat(m) == bytes);  // the shared original is never written to
        rte_pktmbuf_free(done);
        rte_pktmbuf_free(m);
    }
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}
