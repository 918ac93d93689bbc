#include "vhost/guest_frame.h"

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_net.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "offload/tcp_layout.h"
#include "tests/support/mbuf_bytes.h"
#include "tests/support/tcp_frames.h"

using namespace vsw;
using namespace vsw::vhost;
using vsw::test::flat;
using vsw::test::TcpFrameSpec;
using vsw::virtio::NetHeader;
using vsw::virtio::TxChain;

static_assert(kDefaultHeaderBytes > offload::kMaxHeaders,
              "the head segment holds every header the datapath parses");

namespace {

// A pool of its own per test, without a per-lcore cache so that its in-use count is exact.
// kNoRoom: mbufs without any data room, as vswd's attach pool.
constexpr int kNoRoom = -1;
struct Pool {
    explicit Pool(unsigned n, int room = RTE_MBUF_DEFAULT_DATAROOM) {
        static unsigned made = 0;
        const std::string name = "gf_pool_" + std::to_string(made++);
        const int size = room == kNoRoom ? 0 : room + RTE_PKTMBUF_HEADROOM;
        pool = rte_pktmbuf_pool_create(name.c_str(), n, 0, 0, static_cast<uint16_t>(size),
                                       SOCKET_ID_ANY);
        REQUIRE(pool != nullptr);
    }
    ~Pool() { rte_mempool_free(pool); }
    unsigned in_use() const { return rte_mempool_in_use_count(pool); }
    rte_mempool* pool;
};

// Fake guest memory: frames laid out in pieces at scattered places, as a guest posts them.
struct Guest {
    std::vector<uint8_t> mem = std::vector<uint8_t>(size_t{1} << 19);
    size_t next = 64;

    // `bytes` (virtio-net header first) in pieces of `sizes` bytes, 64 bytes apart.
    TxChain post(const std::vector<uint8_t>& bytes, const std::vector<uint32_t>& sizes) {
        TxChain c{};
        size_t at = 0;
        for (uint32_t s : sizes) {
            REQUIRE(next + s + 64 <= mem.size());
            std::memcpy(mem.data() + next, bytes.data() + at, s);
            c.segs[c.count++] = {mem.data() + next, s};
            at += s;
            next += s + 64;
        }
        REQUIRE(at == bytes.size());
        c.len = static_cast<uint32_t>(at);
        return c;
    }
    bool holds(const void* p) const {
        const auto* b = static_cast<const uint8_t*>(p);
        return b >= mem.data() && b < mem.data() + mem.size();
    }
};

std::vector<uint8_t> with_header(const NetHeader& h, const std::vector<uint8_t>& frame) {
    std::vector<uint8_t> b(sizeof h);
    std::memcpy(b.data(), &h, sizeof h);
    b.insert(b.end(), frame.begin(), frame.end());
    return b;
}

// Every segment sane (rte_mbuf_check), the lengths adding up.
void check_chain(const rte_mbuf* m) {
    const char* why = nullptr;
    REQUIRE(rte_mbuf_check(m, 1, &why) == 0);
    uint32_t bytes = 0;
    uint16_t segs = 0;
    for (const rte_mbuf* s = m; s; s = s->next) {
        REQUIRE(rte_mbuf_check(s, s == m, &why) == 0);
        bytes += s->data_len;
        ++segs;
    }
    REQUIRE(bytes == m->pkt_len);
    REQUIRE(segs == m->nb_segs);
}

struct Built {
    rte_mbuf* m;
    FrameError err;
};

Built build(GuestFrames& g, uint16_t slot, const TxChain& c, const NetHeader& h, rte_mempool* pool,
            const FrameBuild& how = {}) {
    FrameError err = FrameError::kNone;
    FrameMbufs mbufs{.pool = pool};
    rte_mbuf* m = build_guest_frame(g, slot, c, h, how, mbufs, err);
    if (m) check_chain(m);
    return {m, err};
}

constexpr NetHeader kNoRequest{};

NetHeader csum_request(uint16_t start, uint16_t offset) {
    NetHeader h{};
    h.flags = virtio::kHdrNeedsCsum;
    h.csum_start = start;
    h.csum_offset = offset;
    return h;
}

NetHeader tso_request(uint8_t gso_type, uint16_t gso_size, uint16_t csum_start) {
    NetHeader h = csum_request(csum_start, 16);
    h.gso_type = gso_type;
    h.gso_size = gso_size;
    return h;
}

uint64_t l4_csum(const rte_mbuf* m) {
    return m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
}

}  // namespace

TEST_CASE("guest frame: a small frame is copied whole") {
    Pool p(63);
    Guest guest;
    GuestFrames g;
    const auto frame = test::tcp_frame({.payload = 40});
    const TxChain c = guest.post(with_header(kNoRequest, frame), {12, 30, 64});
    auto [m, err] = build(g, 0, c, kNoRequest, p.pool);
    REQUIRE(m);
    CHECK(err == FrameError::kNone);
    CHECK(m->nb_segs == 1);
    CHECK(m->pkt_len == frame.size());
    CHECK(RTE_MBUF_DIRECT(m));
    CHECK_FALSE(references_guest(m));
    CHECK(outstanding(g) == 0);
    CHECK(all_released(g));
    CHECK(m->ol_flags == 0);
    CHECK(m->packet_type == 0);
    CHECK(flat(m) == frame);
    std::memset(guest.mem.data(), 0xee, guest.mem.size());  // the guest rewrites everything
    CHECK(flat(m) == frame);
    CHECK(own_frame(m, p.pool) == m);  // nothing to copy
    rte_pktmbuf_free(m);
    CHECK(p.in_use() == 0);
}

TEST_CASE("guest frame: a small frame longer than one mbuf is copied into a chain") {
    Pool p(63, 128);
    Guest guest;
    GuestFrames g;
    const auto frame = test::tcp_frame({.payload = 300});  // 354 bytes: 128 + 128 + 98
    const TxChain c = guest.post(with_header(kNoRequest, frame), {12, 100, 254});
    auto [m, err] = build(g, 0, c, kNoRequest, p.pool);
    REQUIRE(m);
    CHECK(m->nb_segs == 3);
    CHECK(m->data_len == 128);
    CHECK_FALSE(references_guest(m));
    CHECK(flat(m) == frame);
    CHECK(p.in_use() == 3);
    rte_pktmbuf_free(m);
    CHECK(p.in_use() == 0);
}

TEST_CASE("guest frame: a large frame has its headers copied and its payload referenced") {
    Pool p(63);
    Guest guest;
    GuestFrames g;
    const auto frame = test::tcp_frame({.payload = 1460});  // 1514 bytes
    const TxChain c = guest.post(with_header(kNoRequest, frame), {12, 54, 700, 760});
    auto [m, err] = build(g, 5, c, kNoRequest, p.pool);
    REQUIRE(m);
    CHECK(err == FrameError::kNone);
    CHECK(m->pkt_len == 1514);
    REQUIRE(m->nb_segs == 3);
    // The head: vsw's copy of the first 256 bytes, from two pieces.
    CHECK(RTE_MBUF_DIRECT(m));
    CHECK(m->data_len == kDefaultHeaderBytes);
    CHECK_FALSE(guest.holds(rte_pktmbuf_mtod(m, uint8_t*)));
    // The payload: the rest of piece 2 (700 - 202 bytes) and piece 3, in place.
    const rte_mbuf* s1 = m->next;
    const rte_mbuf* s2 = s1->next;
    for (const rte_mbuf* s : {s1, s2}) {
        CHECK(RTE_MBUF_HAS_EXTBUF(s));
        CHECK(rte_mbuf_iova_get(s) == RTE_BAD_IOVA);
        CHECK(s->data_off == 0);
        CHECK(s->buf_len == s->data_len);
    }
    CHECK(rte_pktmbuf_mtod(s1, const uint8_t*) == c.segs[2].host + 202);
    CHECK(s1->data_len == 498);
    CHECK(rte_pktmbuf_mtod(s2, const uint8_t*) == c.segs[3].host);
    CHECK(s2->data_len == 760);
    CHECK(flat(m) == frame);
    CHECK(references_guest(m));
    CHECK(outstanding(g) == 1);
    CHECK_FALSE(all_released(g));
    CHECK(rte_mbuf_ext_refcnt_read(&g.shinfo[5]) == 2);

    // The guest rewrites its buffers: the headers vsw copied stay, the payload is the guest's.
    auto* piece1 = const_cast<uint8_t*>(c.segs[1].host);
    auto* piece2 = const_cast<uint8_t*>(c.segs[2].host);
    auto* piece3 = const_cast<uint8_t*>(c.segs[3].host);
    piece1[0] = 0xff;    // destination MAC: byte 0 of the frame
    piece2[100] = 0xff;  // frame byte 154, in the head
    piece3[10] = 0xab;   // frame byte 764, payload
    auto now = flat(m);
    CHECK(now[0] == frame[0]);
    CHECK(now[154] == frame[154]);
    CHECK(now[54 + 700 + 10] == 0xab);

    rte_pktmbuf_free(m);
    CHECK(outstanding(g) == 0);
    CHECK(all_released(g));
    CHECK(rte_mbuf_ext_refcnt_read(&g.shinfo[5]) == 0);
    CHECK(p.in_use() == 0);
}

TEST_CASE("guest frame: a guest piece longer than 65535 bytes is attached in two") {
    Pool p(63);
    Guest guest;
    GuestFrames g;
    std::vector<uint8_t> frame(14 + 65700);
    for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<uint8_t>(i * 7);
    frame[12] = 0x88, frame[13] = 0xb5;  // local experimental EtherType
    const TxChain c = guest.post(with_header(kNoRequest, frame), {12, 14, 65700});
    const FrameBuild how{.header_bytes = 60};
    auto [m, err] = build(g, 0, c, kNoRequest, p.pool, how);
    REQUIRE(m);
    REQUIRE(m->nb_segs == 3);
    CHECK(m->data_len == 60);
    CHECK(m->next->data_len == 65535);
    CHECK(m->next->buf_len == 65535);
    CHECK(m->next->next->data_len == 65700 - 46 - 65535);
    CHECK(rte_pktmbuf_mtod(m->next->next, const uint8_t*) == c.segs[2].host + 46 + 65535);
    CHECK(flat(m) == frame);
    CHECK(rte_mbuf_ext_refcnt_read(&g.shinfo[0]) == 2);
    rte_pktmbuf_free(m);
    CHECK(all_released(g));
    CHECK(p.in_use() == 0);
}

TEST_CASE("guest frame: headers split across pieces, as Linux sends TCP with TSO") {
    Pool p(63);
    Guest guest;
    GuestFrames g;
    // Net header alone, then Ethernet, IPv4 and TCP (12 bytes of options) each in a piece of its
    // own, then two pages of payload.
    const auto frame = test::tcp_frame({.tcp_options = 12, .payload = 8000});  // 8066 bytes
    const NetHeader h = tso_request(virtio::kGsoTcpv4, 1448, 34);
    const TxChain c = guest.post(with_header(h, frame), {12, 14, 20, 32, 4096, 3904});
    auto [m, err] = build(g, 0, c, h, p.pool);
    REQUIRE(m);
    CHECK(err == FrameError::kNone);
    CHECK(m->data_len == kDefaultHeaderBytes);
    CHECK(m->nb_segs == 3);  // head, the rest of the first page, the second page
    CHECK(m->next->data_len == 4096 - (256 - 66));
    CHECK(flat(m) == frame);
    CHECK((m->ol_flags & RTE_MBUF_F_RX_LRO));
    CHECK(l4_csum(m) == RTE_MBUF_F_RX_L4_CKSUM_NONE);
    CHECK(m->tso_segsz == 1448);
    CHECK((m->packet_type & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_TCP);
    CHECK(RTE_ETH_IS_IPV4_HDR(m->packet_type));
    rte_pktmbuf_free(m);
    CHECK(all_released(g));
    CHECK(p.in_use() == 0);
}

TEST_CASE("guest frame: offload requests are marked as rte_vhost's compliant mode marks them") {
    Pool p(63);
    Guest guest;
    GuestFrames g;

    SECTION("a partial TCP checksum over IPv4") {
        const auto frame = test::tcp_frame({.payload = 100});
        const NetHeader h = csum_request(34, 16);
        auto [m, err] = build(g, 0, guest.post(with_header(h, frame), {12, 154}), h, p.pool);
        REQUIRE(m);
        CHECK(l4_csum(m) == RTE_MBUF_F_RX_L4_CKSUM_NONE);
        CHECK_FALSE((m->ol_flags & RTE_MBUF_F_RX_LRO));
        CHECK(m->tso_segsz == 0);
        CHECK((m->packet_type & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_TCP);
        rte_pktmbuf_free(m);
    }
    SECTION("a partial UDP checksum") {
        const auto frame = test::tcp_frame({.payload = 100, .udp = true});
        const NetHeader h = csum_request(34, 6);
        auto [m, err] = build(g, 0, guest.post(with_header(h, frame), {12, 142}), h, p.pool);
        REQUIRE(m);
        CHECK(l4_csum(m) == RTE_MBUF_F_RX_L4_CKSUM_NONE);
        CHECK((m->packet_type & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_UDP);
        rte_pktmbuf_free(m);
    }
    SECTION("TSO over IPv6, large") {
        const auto frame = test::tcp_frame({.ipv6 = true, .payload = 3000});
        const NetHeader h = tso_request(virtio::kGsoTcpv6, 1440, 54);
        auto [m, err] = build(g, 0, guest.post(with_header(h, frame), {12, 74, 3000}), h, p.pool);
        REQUIRE(m);
        CHECK(references_guest(m));
        CHECK((m->ol_flags & RTE_MBUF_F_RX_LRO));
        CHECK(l4_csum(m) == RTE_MBUF_F_RX_L4_CKSUM_NONE);
        CHECK(m->tso_segsz == 1440);
        CHECK(RTE_ETH_IS_IPV6_HDR(m->packet_type));
        rte_pktmbuf_free(m);
    }
    SECTION("TSO over IPv4 with a tag, copied whole") {
        const auto frame = test::tcp_frame({.tagged = true, .payload = 200});
        const NetHeader h = tso_request(virtio::kGsoTcpv4, 100, 38);
        auto [m, err] = build(g, 0, guest.post(with_header(h, frame), {12, 258}), h, p.pool);
        REQUIRE(m);
        CHECK_FALSE(references_guest(m));
        CHECK((m->ol_flags & RTE_MBUF_F_RX_LRO));
        CHECK(m->tso_segsz == 100);
        rte_pktmbuf_free(m);
    }
    SECTION("no host offload negotiated: the header is ignored") {
        const auto frame = test::tcp_frame({.payload = 3000});
        const NetHeader h = tso_request(virtio::kGsoUdp, 0, 34);  // even a refused one
        const FrameBuild how{.host_offloads = false};
        auto [m, err] = build(g, 0, guest.post(with_header(h, frame), {12, 3054}), h, p.pool, how);
        REQUIRE(m);
        CHECK(m->ol_flags == 0);
        CHECK(m->packet_type == 0);
        CHECK(m->tso_segsz == 0);
        rte_pktmbuf_free(m);
    }
    CHECK(all_released(g));
    CHECK(p.in_use() == 0);
}

TEST_CASE("guest frame: offload requests vsw does not offer are refused") {
    Pool p(63);
    Guest guest;
    GuestFrames g;
    struct Case {
        const char* what;
        NetHeader h;
        bool udp;
    };
    const Case cases[] = {
        {"UDP GSO (UFO)", tso_request(virtio::kGsoUdp, 1400, 34), true},
        {"TSO with ECN", tso_request(virtio::kGsoTcpv4 | virtio::kGsoEcn, 1448, 34), false},
        {"GSO size 0", tso_request(virtio::kGsoTcpv4, 0, 34), false},
        {"TSO of a UDP frame", tso_request(virtio::kGsoTcpv4, 1448, 34), true},
        {"an unknown GSO type", tso_request(2, 1448, 34), false},
        {"a checksum field past the frame", csum_request(5000, 16), false},
    };
    for (const Case& k : cases) {
        for (uint32_t payload : {100u, 3000u}) {  // copied whole, and head + payload in place
            INFO(k.what << ", payload " << payload);
            const auto frame = test::tcp_frame({.payload = payload, .udp = k.udp});
            const auto bytes = with_header(k.h, frame);
            const TxChain c = guest.post(bytes, {12, static_cast<uint32_t>(frame.size())});
            auto [m, err] = build(g, 3, c, k.h, p.pool);
            CHECK(m == nullptr);
            CHECK(err == FrameError::kBadOffload);
            CHECK(outstanding(g) == 0);
            CHECK(rte_mbuf_ext_refcnt_read(&g.shinfo[3]) == 0);
            CHECK(p.in_use() == 0);
        }
    }
    CHECK(frame_error_name(FrameError::kBadOffload) == "bad_offload_header");
}

TEST_CASE("guest frame: a partial checksum of an unknown protocol is finished in vsw's copy") {
    Pool p(63);
    Guest guest;
    GuestFrames g;
    auto frame = test::tcp_frame({.payload = 2000});
    frame[14 + 9] = 253;        // an IP protocol rte_net_get_ptype does not know
    frame[40] = frame[41] = 0;  // the checksum field (csum_start 34 + 6), as the guest left it
    const NetHeader h = csum_request(34, 6);
    const TxChain c = guest.post(with_header(h, frame), {12, 54, 2000});

    SECTION("the field in the head: finished") {
        auto [m, err] = build(g, 0, c, h, p.pool);
        REQUIRE(m);
        CHECK(references_guest(m));
        CHECK(l4_csum(m) == 0);  // nothing left for the receiver to do
        const auto out = flat(m);
        CHECK(test::fold16(test::sum16(out.data() + 34, out.size() - 34)) == 0xffff);
        CHECK(std::vector<uint8_t>(out.begin(), out.begin() + 40) ==
              std::vector<uint8_t>(frame.begin(), frame.begin() + 40));
        CHECK(std::vector<uint8_t>(out.begin() + 42, out.end()) ==
              std::vector<uint8_t>(frame.begin() + 42, frame.end()));
        CHECK(c.segs[1].host[40] == 0);  // written into vsw's copy, never into the guest
        CHECK(c.segs[1].host[41] == 0);
        rte_pktmbuf_free(m);
    }
    SECTION("the field past the copied headers: refused") {
        const NetHeader far = csum_request(34, 300);
        auto [m, err] = build(g, 0, c, far, p.pool);
        CHECK(m == nullptr);
        CHECK(err == FrameError::kBadOffload);
    }
    CHECK(all_released(g));
    CHECK(p.in_use() == 0);
}

TEST_CASE("guest frame: runts and busy slots are refused") {
    Pool p(63);
    Guest guest;
    GuestFrames g;
    const auto frame = test::tcp_frame({.payload = 2000});
    const TxChain large = guest.post(with_header(kNoRequest, frame), {12, 2054});

    std::vector<uint8_t> runt(12 + 13, 0);
    auto [none, err] = build(g, 0, guest.post(runt, {25}), kNoRequest, p.pool);
    CHECK(none == nullptr);
    CHECK(err == FrameError::kTooShort);
    runt.push_back(0);  // 14 bytes: an Ethernet header, the least a frame is
    auto [eth, err14] = build(g, 0, guest.post(runt, {12, 14}), kNoRequest, p.pool);
    REQUIRE(eth);
    CHECK(eth->pkt_len == 14);
    rte_pktmbuf_free(eth);

    auto [beyond, err_beyond] = build(g, kBurst, large, kNoRequest, p.pool);
    CHECK(beyond == nullptr);
    CHECK(err_beyond == FrameError::kSlotBusy);

    auto [first, err1] = build(g, 0, large, kNoRequest, p.pool);
    REQUIRE(first);
    auto [again, err2] = build(g, 0, large, kNoRequest, p.pool);  // its references still live
    CHECK(again == nullptr);
    CHECK(err2 == FrameError::kSlotBusy);
    CHECK(outstanding(g) == 1);
    rte_pktmbuf_free(first);
    auto [reused, err3] = build(g, 0, large, kNoRequest, p.pool);
    REQUIRE(reused);
    rte_pktmbuf_free(reused);
    CHECK(all_released(g));
    CHECK(p.in_use() == 0);
}

TEST_CASE("guest frame: references are counted per slot and outlive clones") {
    Pool p(63);
    Guest guest;
    GuestFrames g;
    const auto frame = test::tcp_frame({.payload = 4000});
    const TxChain c = guest.post(with_header(kNoRequest, frame), {12, 54, 2000, 2000});
    rte_mbuf* m[3];
    for (uint16_t slot = 0; slot < 3; ++slot) {
        auto [b, err] = build(g, slot, c, kNoRequest, p.pool);  // one head posted three times
        REQUIRE(b);
        m[slot] = b;
    }
    CHECK(outstanding(g) == 3);
    rte_mbuf* clone = rte_pktmbuf_clone(m[1], p.pool);
    REQUIRE(clone);
    CHECK(references_guest(clone));
    CHECK(flat(clone) == frame);
    rte_pktmbuf_free(m[0]);
    CHECK(outstanding(g) == 2);
    rte_pktmbuf_free(m[1]);
    CHECK(outstanding(g) == 2);  // the clone still refers to slot 1's buffers
    rte_pktmbuf_free(clone);
    CHECK(outstanding(g) == 1);
    rte_pktmbuf_free(m[2]);
    CHECK(outstanding(g) == 0);
    CHECK(all_released(g));
    CHECK(p.in_use() == 0);
}

TEST_CASE("guest frame: copy_out_of_guest leaves no reference to guest memory") {
    Pool p(63);
    Guest guest;
    GuestFrames g;
    const auto frame = test::tcp_frame({.tcp_options = 12, .payload = 8000});
    const NetHeader h = tso_request(virtio::kGsoTcpv4, 1448, 34);
    const TxChain c = guest.post(with_header(h, frame), {12, 66, 4096, 3904});
    auto [m, err] = build(g, 7, c, h, p.pool);
    REQUIRE(m);
    // What the datapath sets before a frame may escape.
    m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_TCP_SEG;
    m->l2_len = 14;
    m->l3_len = 20;
    m->l4_len = 32;
    m->vlan_tci = 10;
    m->port = 3;
    const uint32_t ptype = m->packet_type;

    SECTION("copied") {
        rte_mbuf* copy = copy_out_of_guest(m, p.pool);
        REQUIRE(copy);
        check_chain(copy);
        CHECK_FALSE(references_guest(copy));
        CHECK(all_released(g));  // m was freed
        CHECK(flat(copy) == frame);
        CHECK(copy->ol_flags ==
              (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_TCP_SEG));
        CHECK(copy->l2_len == 14);
        CHECK(copy->l3_len == 20);
        CHECK(copy->l4_len == 32);
        CHECK(copy->tso_segsz == 1448);
        CHECK(copy->vlan_tci == 10);
        CHECK(copy->port == 3);
        CHECK(copy->packet_type == ptype);
        std::memset(guest.mem.data(), 0, guest.mem.size());
        CHECK(flat(copy) == frame);
        rte_pktmbuf_free(copy);
    }
    SECTION("own_frame copies what refers to the guest") {
        rte_mbuf* own = own_frame(m, p.pool);
        REQUIRE(own);
        CHECK(own != m);
        CHECK_FALSE(references_guest(own));
        CHECK(all_released(g));
        rte_pktmbuf_free(own);
    }
    SECTION("no mbufs for the copy: the frame is untouched") {
        Pool tiny(2);  // the copy needs 4 mbufs of 2 KiB
        CHECK(copy_out_of_guest(m, tiny.pool) == nullptr);
        CHECK(tiny.in_use() == 0);
        CHECK(references_guest(m));
        CHECK(outstanding(g) == 1);
        CHECK(flat(m) == frame);
        CHECK(m->l4_len == 32);
        rte_pktmbuf_free(m);
        CHECK(all_released(g));
    }
    CHECK(p.in_use() == 0);
}

TEST_CASE("guest frame: a pool that runs out leaks nothing") {
    Guest guest;
    GuestFrames g;
    SECTION("head and payload") {
        Pool tiny(6);
        rte_mbuf* held = rte_pktmbuf_alloc(tiny.pool);  // the pool partly in use already
        REQUIRE(held);
        const auto frame = test::tcp_frame({.payload = 5000});
        // Head + 5 extbuf segments: 6 mbufs, 5 left.
        const TxChain c =
            guest.post(with_header(kNoRequest, frame), {12, 54, 1000, 1000, 1000, 1000, 1000});
        auto [m, err] = build(g, 0, c, kNoRequest, tiny.pool);
        CHECK(m == nullptr);
        CHECK(err == FrameError::kNoMbufs);
        CHECK(tiny.in_use() == 1);
        CHECK(all_released(g));
        CHECK(rte_mbuf_ext_refcnt_read(&g.shinfo[0]) == 0);
        rte_pktmbuf_free(held);
        // With the mbufs back, the same frame builds.
        auto [ok, err_ok] = build(g, 0, c, kNoRequest, tiny.pool);
        REQUIRE(ok);
        CHECK(ok->nb_segs == 6);
        rte_pktmbuf_free(ok);
        CHECK(all_released(g));
        CHECK(tiny.in_use() == 0);
    }
    SECTION("a whole copy in a chain") {
        Pool tiny(2, 128);
        const auto frame = test::tcp_frame({.payload = 300});  // 3 mbufs of 128 bytes
        const TxChain c = guest.post(with_header(kNoRequest, frame), {12, 354});
        auto [m, err] = build(g, 0, c, kNoRequest, tiny.pool);
        CHECK(m == nullptr);
        CHECK(err == FrameError::kNoMbufs);
        CHECK(tiny.in_use() == 0);
    }
}

TEST_CASE("guest frame: payload segments from a pool without data room, the head from a spare") {
    Pool p(8);
    Pool attach(8, kNoRoom);
    Guest guest;
    GuestFrames g;
    const auto frame = test::tcp_frame({.payload = 1460});  // 1514 bytes
    const TxChain c = guest.post(with_header(kNoRequest, frame), {12, 54, 700, 760});
    SECTION("built") {
        rte_mbuf* spare = rte_pktmbuf_alloc(p.pool);
        REQUIRE(spare);
        FrameMbufs mbufs{.pool = p.pool, .attach = attach.pool, .spare = spare};
        FrameError err = FrameError::kNone;
        rte_mbuf* m = build_guest_frame(g, 3, c, kNoRequest, {}, mbufs, err);
        REQUIRE(m);
        check_chain(m);
        CHECK(mbufs.spare == nullptr);  // taken
        CHECK(m == spare);              // as the head
        REQUIRE(m->nb_segs == 3);
        CHECK(m->next->pool == attach.pool);
        CHECK(m->next->next->pool == attach.pool);
        CHECK(flat(m) == frame);
        CHECK(p.in_use() == 1);
        CHECK(attach.in_use() == 2);
        rte_pktmbuf_free(m);  // the payload segments detach and go back to their own pool
        CHECK(all_released(g));
        CHECK(p.in_use() == 0);
        CHECK(attach.in_use() == 0);
        // Reused from the attach pool, an mbuf is a plain empty one again.
        rte_mbuf* again = rte_pktmbuf_alloc(attach.pool);
        REQUIRE(again);
        CHECK(RTE_MBUF_DIRECT(again));
        CHECK(again->buf_len == 0);
        CHECK(again->data_off == 0);
        rte_pktmbuf_free(again);
    }
    SECTION("a small frame copied whole uses the spare as its first segment") {
        const TxChain small =
            guest.post(with_header(kNoRequest, test::tcp_frame({.payload = 100})), {12, 54, 100});
        rte_mbuf* spare = rte_pktmbuf_alloc(p.pool);
        FrameMbufs mbufs{.pool = p.pool, .attach = attach.pool, .spare = spare};
        FrameError err = FrameError::kNone;
        rte_mbuf* m = build_guest_frame(g, 0, small, kNoRequest, {}, mbufs, err);
        REQUIRE(m == spare);
        CHECK(mbufs.spare == nullptr);
        CHECK(m->nb_segs == 1);
        CHECK(attach.in_use() == 0);
        rte_pktmbuf_free(m);
        CHECK(p.in_use() == 0);
    }
    SECTION("an attach pool that runs out leaks nothing, the spare included") {
        Pool one(1, kNoRoom);  // two payload segments needed
        rte_mbuf* spare = rte_pktmbuf_alloc(p.pool);
        FrameMbufs mbufs{.pool = p.pool, .attach = one.pool, .spare = spare};
        FrameError err = FrameError::kNone;
        CHECK(build_guest_frame(g, 0, c, kNoRequest, {}, mbufs, err) == nullptr);
        CHECK(err == FrameError::kNoMbufs);
        CHECK(mbufs.spare == nullptr);  // taken, and freed
        CHECK(p.in_use() == 0);
        CHECK(one.in_use() == 0);
        CHECK(all_released(g));
    }
    SECTION("a refused request frees the spare it took") {
        const NetHeader ecn = tso_request(virtio::kGsoTcpv4 | virtio::kGsoEcn, 1000, 34);
        rte_mbuf* spare = rte_pktmbuf_alloc(p.pool);
        FrameMbufs mbufs{.pool = p.pool, .attach = attach.pool, .spare = spare};
        FrameError err = FrameError::kNone;
        CHECK(build_guest_frame(g, 0, c, ecn, {}, mbufs, err) == nullptr);
        CHECK(err == FrameError::kBadOffload);
        CHECK(p.in_use() == 0);
        CHECK(attach.in_use() == 0);
        CHECK(all_released(g));
    }
}
