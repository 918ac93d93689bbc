// libFuzzer target: what a hostile guest controls of an offload request -- the frame, how it is
// chained over mbufs, its segment size and which offloads its virtio-net header asked for --
// through vsw's ingress check and, when accepted, the segments or checksum copy a destination
// without offloads gets, and the copy with headers of its own a NIC with the offloads gets.
// Oracles: nothing accepted that the frame does not bear out, every segment fits the MTU and
// verifies, the payload comes back whole, no mbuf leaks.
//
// Input: byte 0 = flags (bit 0 TSO, bit 1 partial checksum), bytes 1-2 = segment size, byte 3 =
// where the first mbuf ends (x 8), then the frame.
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/mbuf.h"
#include "src/datapath/offload_stage.h"
#include "tests/support/mbuf_bytes.h"
#include "tests/support/test_eal.h"

using namespace vsw;
using vsw::test::chain_from;
using vsw::test::flat;

namespace {
rte_mempool* g_pool = nullptr;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (!test::init_test_eal("offload_fuzz")) __builtin_trap();
    g_pool = rte_pktmbuf_pool_create("fuzz_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (!g_pool) __builtin_trap();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 4 + 14 || size > 4 + 65535 + 18) return 0;
    const bool tso = data[0] & 1, partial = data[0] & 2;
    const auto mss = static_cast<uint16_t>(data[1] << 8 | data[2]);
    const std::vector<uint8_t> frame(data + 4, data + size);
    rte_mbuf* m = chain_from(g_pool, frame, {8u * (data[3] | 1u)});
    if (!m) __builtin_trap();  // 2047 mbufs hold any frame
    m->ol_flags =
        (partial || tso ? RTE_MBUF_F_RX_L4_CKSUM_NONE : 0) | (tso ? RTE_MBUF_F_RX_LRO : 0);
    m->tso_segsz = mss;
    const std::vector<uint8_t> original = flat(m);
    telemetry::PortCounters c;
    if (accept_guest_offloads(&m, 1, 1500, c) == 0) {  // refused: counted, freed
        if (c.drops[static_cast<unsigned>(DropReason::kBadOffload)].get() != 1) __builtin_trap();
        if (rte_mempool_in_use_count(g_pool) != 0) __builtin_trap();
        return 0;
    }
    if (m->ol_flags & kOffloadFlags) {
        rte_mbuf* out[offload::kMaxSegments];
        const uint16_t n = wire_frames(m, g_pool, out, kSourceMtu);
        if (n == 0)
            __builtin_trap();  // the pool is large enough: an accepted frame always reads again
        const uint32_t headers = m->l2_len + m->l3_len + m->l4_len;
        std::vector<uint8_t> payload;
        for (uint16_t i = 0; i < n; ++i) {
            const std::vector<uint8_t> s = flat(out[i]);
            if ((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && s.size() > headers + m->tso_segsz)
                __builtin_trap();
            if (s.size() > 1500 + 18 && (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)) __builtin_trap();
            if (s.size() < headers || std::memcmp(s.data(), original.data(), 12) != 0)
                __builtin_trap();
            payload.insert(payload.end(), s.begin() + headers, s.end());
            rte_pktmbuf_free(out[i]);
        }
        if (payload.size() != original.size() - headers ||
            std::memcmp(payload.data(), original.data() + headers, payload.size()) != 0)
            __builtin_trap();
        if (wire_packets(m) != n) __builtin_trap();
        // A NIC with every offload (net_tap's segment limit): the same bytes, headers of its
        // own, a segment size within the limit.
        const EgressOffloads nic{
            .csum = true, .tso4 = true, .tso6 = true, .device = true, .device_segment = 1482};
        if (takes_as_is(nic, m)) {
            rte_mbuf* own = for_device(m, nic, g_pool);
            if (!own || flat(own) != original) __builtin_trap();
            if ((own->ol_flags & RTE_MBUF_F_TX_TCP_SEG) &&
                (own->tso_segsz == 0 || own->l3_len + own->l4_len + own->tso_segsz > 1482))
                __builtin_trap();
            rte_pktmbuf_free(own);
        }
    }
    if (flat(m) != original) __builtin_trap();  // the frame itself is never written to
    rte_pktmbuf_free(m);
    if (rte_mempool_in_use_count(g_pool) != 0) __builtin_trap();
    return 0;
}
