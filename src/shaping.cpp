#include "src/shaping.h"

#include <rte_mbuf.h>
#include <rte_ring.h>

namespace vsw {

using telemetry::DropReason;

namespace {

constexpr uint64_t kPeakBurst = 2 * 1518;  // the peak bucket lets two full frames through at once

uint64_t bytes_of(rte_mbuf* const* pkts, uint16_t n) {
    uint64_t b = 0;
    for (uint16_t i = 0; i < n; ++i) b += pkts[i]->pkt_len;
    return b;
}

qos::Shaper make_shaper(uint64_t rate, uint64_t burst, uint64_t peak, uint64_t hz, uint64_t now) {
    return qos::Shaper(rate, burst, peak, kPeakBurst, hz, now);
}

}  // namespace

bool guest_tx_allowed(Datapath& dp, Port& in, const PortQos& q, uint64_t now, uint64_t hz) {
    if (in.tx_qos_version != q.version) {  // new or changed settings: a fresh, full bucket
        in.tx_shaper = make_shaper(q.tx_rate, q.tx_burst, q.tx_peak, hz, now);
        in.tx_qos_version = q.version;
    }
    in.tx_shaper.refill(now);
    in.tx_tokens.store(in.tx_shaper.tokens(), std::memory_order_relaxed);
    if (in.tx_shaper.positive()) return true;
    in.counters[dp.worker].tx_throttled.add(1);
    return false;
}

void guest_tx_charge(Port& in, rte_mbuf* const* pkts, uint16_t n) { in.tx_shaper.charge(bytes_of(pkts, n)); }

void guest_rx_enqueue(Datapath& dp, Port& port, const PortQos& q, rte_mbuf** pkts, uint16_t n) {
    telemetry::PortCounters& c = port.counters[dp.worker];
    // Take frames in order while they fit under rx-limit; the rest are tail drops.
    uint64_t queued = port.rx_queue_bytes.load(std::memory_order_relaxed);
    uint16_t fit = 0;
    uint64_t bytes = 0;
    for (; fit < n; ++fit) {
        const uint64_t len = pkts[fit]->pkt_len;
        if (queued + bytes + len > q.rx_limit) break;
        bytes += len;
    }
    const unsigned in_ring = rte_ring_mp_enqueue_burst(port.rx_queue, reinterpret_cast<void* const*>(pkts), fit, nullptr);
    const uint64_t ring_bytes = in_ring == fit ? bytes : bytes_of(pkts, static_cast<uint16_t>(in_ring));
    port.rx_queue_bytes.fetch_add(ring_bytes, std::memory_order_relaxed);
    c.rx_queued.add(in_ring);
    c.rx_queued_bytes.add(ring_bytes);
    if (in_ring < n) {
        c.drop(DropReason::kQueueFull, n - in_ring);
        rte_pktmbuf_free_bulk(pkts + in_ring, n - in_ring);
    }
}

void guest_rx_drain(Datapath& dp, Port& port, const PortQos& q, uint64_t now, uint64_t hz) {
    if (port.rx_qos_version != q.version) {
        port.rx_shaper = make_shaper(q.rx_rate, q.rx_burst, 0, hz, now);
        port.rx_qos_version = q.version;
    }
    port.rx_shaper.refill(now);
    rte_mbuf* pkts[kBurst];
    for (int bursts = 0; bursts < 8; ++bursts) {  // bounded work per round
        if (!q.rx_police && !port.rx_shaper.positive()) break;
        const unsigned n = rte_ring_sc_dequeue_burst(port.rx_queue, reinterpret_cast<void**>(pkts), kBurst, nullptr);
        if (n == 0) break;
        port.rx_queue_bytes.fetch_sub(bytes_of(pkts, static_cast<uint16_t>(n)), std::memory_order_relaxed);
        uint16_t keep = static_cast<uint16_t>(n);
        if (q.rx_police) {
            // What conforms goes; the rest is dropped now, never delayed.
            rte_mbuf* dropped[kBurst];
            uint16_t n_drop = 0;
            keep = 0;
            for (unsigned i = 0; i < n; ++i) {
                if (port.rx_shaper.has(pkts[i]->pkt_len)) {
                    port.rx_shaper.charge(pkts[i]->pkt_len);
                    pkts[keep++] = pkts[i];
                } else {
                    dropped[n_drop++] = pkts[i];
                }
            }
            if (n_drop) {
                port.counters[dp.worker].drop(DropReason::kPoliced, n_drop);
                rte_pktmbuf_free_bulk(dropped, n_drop);
            }
        } else {
            port.rx_shaper.charge(bytes_of(pkts, static_cast<uint16_t>(n)));
        }
        if (keep) transmit(dp, port, pkts, keep);
    }
    port.rx_tokens.store(port.rx_shaper.tokens(), std::memory_order_relaxed);
}

uint32_t guest_rx_flush(Port& port) {
    if (!port.rx_queue) return 0;
    rte_mbuf* pkts[kBurst];
    uint32_t total = 0;
    for (unsigned n; (n = rte_ring_sc_dequeue_burst(port.rx_queue, reinterpret_cast<void**>(pkts), kBurst, nullptr)) > 0;) {
        rte_pktmbuf_free_bulk(pkts, n);
        total += n;
    }
    port.rx_queue_bytes.store(0, std::memory_order_relaxed);
    port.queue_flushed.add(total);
    return total;
}

}  // namespace vsw
