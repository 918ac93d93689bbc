// Mirroring over real mbufs (runs inside pipeline_tests, which sets up the EAL).
#include "telemetry/mirror/mirror.h"

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <catch2/catch.hpp>

#include "src/datapath/pipeline.h"
#include "tests/support/datapath_fixture.h"
#include "tests/support/mirror_session.h"

using namespace vsw;
using namespace vsw::test;

namespace {

// Slot 0 is mirrored to slot 2 with `config`; slot 1 is the normal destination.
struct MirrorFixture : Fixture {
    MirrorRuntime rt;
    MirrorFixture(MirrorKind kind, uint32_t snaplen = 0, bool rx = true, bool tx = true) {
        auto t = std::make_unique<MirrorTable>();
        t->n = 1;
        t->s[0] = mirror_session(kind, snaplen, rt);
        if (rx) t->rx[0] = 1;
        if (tx) t->tx[0] = 1;
        if (kind == MirrorKind::kSpan) snap.role[2] = PortRole::kSpanOutput;  // as publish()
        snap.mirrors = std::move(t);
        snap.n_flood = 2;  // a SPAN output is no flood target
    }
    // Sends `m` (and `more`) from slot `from` to the other of slots 0 and 1 (learned) and
    // returns the copies buffered for the mirror.
    TxBuffer& run(rte_mbuf* m, rte_mbuf* more = nullptr, int from = 0) {
        fdb.learn(kMacB, 0, 1, 0);
        fdb.learn(kMacA, 0, 0, 0);
        rte_mbuf* pkts[2] = {m, more};
        const uint16_t n = more ? 2 : 1;
        BurstDecisions d;
        run_burst(from, pkts, n, d);
        return dp->mirrors.tx[0];
    }
};

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t* p) {
    return static_cast<uint32_t>(be16(p)) << 16 | be16(p + 2);
}

}  // namespace

TEST_CASE(
    "SPAN: the copy is the same mbuf, one more reference; frames from the output are dropped") {
    MirrorFixture f(MirrorKind::kSpan);
    rte_mbuf* m = frame(kMacB, kMacA);
    TxBuffer& b = f.run(m);
    REQUIRE(b.n == 1);
    CHECK(b.pkts[0] == m);
    CHECK(rte_mbuf_refcnt_read(m) == 2);  // the destination's and the mirror's
    CHECK(f.dp->tx[1].pkts[0] == m);
    rte_mbuf* from_output = frame(kBroadcast, kMacC);
    rte_mbuf* pkts[1] = {from_output};
    BurstDecisions d;
    decide(*f.dp, f.snap, f.port(2), pkts, 1, 0, d, f.remote);
    CHECK(d.out[0] == kOutDrop);
    CHECK(drops(f.port(2), DropReason::kMirrorOutput) == 1);
    scatter(*f.dp, f.snap, f.port(2), pkts, 1, d, f.remote);
    flush_all(*f.dp, f.snap);
    CHECK(f.rt.w[0].packets.get() == 1);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("snaplen: a clone cut short, the original untouched") {
    MirrorFixture f(MirrorKind::kSpan, 40);
    rte_mbuf* m = frame(kMacB, kMacA, 100);
    TxBuffer& b = f.run(m);
    REQUIRE(b.n == 1);
    CHECK(b.pkts[0] != m);
    CHECK(RTE_MBUF_CLONED(b.pkts[0]));
    CHECK(b.pkts[0]->pkt_len == 40);
    CHECK(m->pkt_len == 100);
    CHECK(f.rt.w[0].truncated.get() == 1);
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("RSPAN: a tag segment chained to a clone of the frame after its MACs") {
    MirrorFixture f(MirrorKind::kRspan, 0, true, false);
    rte_mbuf* m = frame(kMacB, kMacA, 80);
    TxBuffer& b = f.run(m);
    REQUIRE(b.n == 1);
    const rte_mbuf* head = b.pkts[0];
    const uint8_t* h = rte_pktmbuf_mtod(head, const uint8_t*);
    CHECK(head->data_len == 16);
    CHECK(be16(h + 12) == 0x8100);
    CHECK((be16(h + 14) & 0xfff) == 999);
    REQUIRE(head->next);
    CHECK(head->next->buf_addr == m->buf_addr);  // zero copy
    CHECK(head->pkt_len == 84);
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("ERSPAN II: outer headers in their own segment, fields where the draft puts them") {
    MirrorFixture f(MirrorKind::kErspan2, 64);
    rte_mbuf* m = frame(kMacB, kMacA, 100);
    TxBuffer& b = f.run(m, frame(kMacB, kMacA, 30));
    REQUIRE(b.n == 2);  // both as received on slot 0
    const rte_mbuf* head = b.pkts[0];
    const uint8_t* h = rte_pktmbuf_mtod(head, const uint8_t*);
    REQUIRE(head->data_len == 50);
    CHECK(be16(h + 12) == 0x0800);
    const uint8_t* ip = h + 14;
    CHECK(ip[0] == 0x45);
    CHECK(ip[9] == 47);
    CHECK(be16(ip + 2) == 20 + 8 + 8 + 64);  // truncated inner frame
    CHECK(rte_raw_cksum(ip, 20) == 0xffff);  // a right IPv4 checksum sums to all ones
    CHECK(be32(ip + 12) == 0xc0000201);
    CHECK(be32(ip + 16) == 0xc0000202);
    const uint8_t* gre = ip + 20;
    CHECK(be16(gre) == 0x1000);
    CHECK(be16(gre + 2) == 0x88be);
    CHECK(be32(gre + 4) == 0);
    const uint8_t* e = gre + 8;
    CHECK(e[0] >> 4 == 1);                  // version 1 = type II
    CHECK((be16(e + 2) & 0x3ff) == 0x155);  // session id
    CHECK((e[2] >> 2 & 1) == 1);            // T: truncated
    CHECK((be32(e + 4) & 0xfffff) == 0xabcde);
    CHECK(head->next->buf_addr == m->buf_addr);
    CHECK(head->pkt_len == 50 + 64);
    const uint8_t* second = rte_pktmbuf_mtod(b.pkts[1], const uint8_t*);
    CHECK(be32(second + 14 + 20 + 4) == 1);            // the next GRE sequence number
    CHECK(be16(second + 14 + 4) == be16(ip + 4) + 1);  // and IPv4 identification
    CHECK((second[14 + 28 + 2] >> 2 & 1) == 0);        // 30 bytes: not truncated
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}

TEST_CASE("ERSPAN III: hardware id, granularity, direction of frames sent to the source") {
    MirrorFixture f(MirrorKind::kErspan3);
    TxBuffer& b = f.run(frame(kMacA, kMacB, 60), nullptr, /*from=*/1);  // sent to slot 0: egress
    REQUIRE(b.n == 1);
    const uint8_t* h = rte_pktmbuf_mtod(b.pkts[0], const uint8_t*);
    REQUIRE(b.pkts[0]->data_len == 54);
    CHECK(be16(h + 14 + 20 + 2) == 0x22eb);
    const uint8_t* e = h + 14 + 20 + 8;
    CHECK(e[0] >> 4 == 2);  // version 2 = type III
    CHECK((be16(e + 2) & 0x3ff) == 0x155);
    const uint16_t tail = be16(e + 10);  // P FT(5) HwID(6) D Gra(2) O
    CHECK((tail >> 4 & 0x3f) == 0x2b);
    CHECK((tail >> 3 & 1) == 1);  // D: egress
    CHECK((tail >> 1 & 3) == 1);  // granularity 100 ns
    flush_all(*f.dp, f.snap);
    CHECK(rte_mempool_in_use_count(g_pool) == 0);
}
