#include "src/datapath/guest_backlog.h"

#include <rte_mbuf.h>

#include <algorithm>

#include "src/datapath/owned_frames.h"

namespace vsw {

namespace {

constexpr uint16_t kMask = kBacklogFrames - 1;

}  // namespace

void guest_backlog_push(GuestBacklog& b, rte_mbuf** pkts, uint16_t n, telemetry::PortCounters& c) {
    auto fit = static_cast<uint16_t>(std::min<unsigned>(n, kBacklogFrames - b.n));
    if (fit < n) guest_backlog_drop(pkts + fit, static_cast<uint16_t>(n - fit), c);
    owned_frames(pkts, fit, c);  // they outlive their burst
    for (uint16_t i = 0; i < fit; ++i) b.pkts[(b.head + b.n + i) & kMask] = pkts[i];
    b.n = static_cast<uint16_t>(b.n + fit);
    c.tx_waited.add(fit);
}

uint16_t guest_backlog_peek(const GuestBacklog& b, rte_mbuf** out) {
    const auto k = static_cast<uint16_t>(std::min<unsigned>(b.n, kBurst));
    for (uint16_t i = 0; i < k; ++i) out[i] = b.pkts[(b.head + i) & kMask];
    return k;
}

void guest_backlog_drop(rte_mbuf** pkts, uint16_t n, telemetry::PortCounters& c) {
    rte_pktmbuf_free_bulk(pkts, n);
    c.drop(DropReason::kTxFull, n);
}

void guest_backlog_stall(GuestBacklog& b, telemetry::PortCounters& c) {
    c.drop(DropReason::kTxFull, b.n);
    guest_backlog_flush(b);
    b.stalled = true;
}

uint32_t guest_backlog_flush(GuestBacklog& b) {
    const uint32_t n = b.n;
    for (uint16_t i = 0; i < n; ++i) rte_pktmbuf_free(b.pkts[(b.head + i) & kMask]);
    b.head = 0;
    b.n = 0;
    return n;
}

}  // namespace vsw
