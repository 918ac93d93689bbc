// What one mirrored frame costs the worker that copies it, per kind of session: SPAN (one more
// reference), SPAN cut to a snap length (a clone), RSPAN (a tag segment chained to a clone),
// ERSPAN II and III (outer headers chained to a clone; III reads the TSC). The copy is freed
// again, as the output's transmit would.
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "telemetry/mirror/mirror.h"
#include "tests/support/bench.h"
#include "tests/support/mirror_session.h"
#include "tests/support/test_eal.h"

using namespace vsw;

namespace {

void copies(const char* name, MirrorKind kind, uint32_t snaplen, rte_mempool* pool) {
    MirrorRuntime rt;
    const MirrorSession s = test::mirror_session(kind, snaplen, rt);
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 1514));
    std::fill(p, p + 1514, 0);
    p[0] = 0x02;
    p[6] = 0x02;
    p[12] = 0x08;
    bench::run(name, 1, [&] {
        bool truncated = false;
        rte_mbuf* copy = mirror_copy(s, m, 10, false, pool, truncated);
        rte_pktmbuf_free(copy);
    });
    rte_pktmbuf_free(m);
}

}  // namespace

int main() {
    if (!test::init_test_eal("mirror-bench")) return 1;
    rte_mempool* pool =
        rte_pktmbuf_pool_create("bench_pool", 1023, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (!pool) return 1;
    copies("mirror copy: SPAN, whole frame (a reference)", MirrorKind::kSpan, 0, pool);
    copies("mirror copy: SPAN cut to 128 B (a clone)", MirrorKind::kSpan, 128, pool);
    copies("mirror copy: RSPAN (tag segment + clone)", MirrorKind::kRspan, 0, pool);
    copies("mirror copy: ERSPAN II (outer headers + clone)", MirrorKind::kErspan2, 0, pool);
    copies("mirror copy: ERSPAN III (and a timestamp)", MirrorKind::kErspan3, 0, pool);
    rte_mempool_free(pool);
    rte_eal_cleanup();
}
