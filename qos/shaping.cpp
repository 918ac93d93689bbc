#include "qos/shaping.h"

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "core/mbuf.h"

namespace vsw {
namespace {

constexpr uint64_t kPeakBurst = 2 * 1518;  // the peak bucket lets two full frames through at once

// Bytes as on a wire: a guest's TSO frame costs what its segments would (core/mbuf.h).
uint64_t bytes_of(rte_mbuf* const* pkts, uint16_t n) {
    uint64_t b = 0;
    for (uint16_t i = 0; i < n; ++i) b += wire_bytes(pkts[i]);
    return b;
}

qos::Shaper make_shaper(uint64_t rate, uint64_t burst, uint64_t peak, uint64_t hz, uint64_t now) {
    return qos::Shaper(rate, burst, peak, kPeakBurst, hz, now);
}

}  // namespace

bool guest_tx_allowed(ShapingState& s, const PortQos& q, telemetry::PortCounters& c, uint64_t now,
                      uint64_t hz) {
    if (s.tx_qos_version != q.version) {  // new or changed settings: a fresh, full bucket
        s.tx_shaper = make_shaper(q.tx_rate, q.tx_burst, q.tx_peak, hz, now);
        s.tx_qos_version = q.version;
    }
    s.tx_shaper.refill(now);
    s.tx_tokens.store(s.tx_shaper.tokens(), std::memory_order_relaxed);
    if (s.tx_shaper.positive()) return true;
    c.tx_throttled.add(1);
    return false;
}

void guest_tx_charge(ShapingState& s, rte_mbuf* const* pkts, uint16_t n) {
    s.tx_shaper.charge(bytes_of(pkts, n));
}

void guest_rx_enqueue(ShapingState& s, const PortQos& q, telemetry::PortCounters& c,
                      rte_mbuf** pkts, uint16_t n) {
    // Take frames in order while they fit under rx-limit; the rest are tail drops.
    uint64_t queued = s.rx_queue_bytes.load(std::memory_order_relaxed);
    uint16_t fit = 0;
    uint64_t bytes = 0;
    for (; fit < n; ++fit) {
        const uint64_t len = wire_bytes(pkts[fit]);
        if (queued + bytes + len > q.rx_limit) break;
        bytes += len;
    }
    const unsigned in_ring =
        rte_ring_mp_enqueue_burst(s.rx_queue, reinterpret_cast<void* const*>(pkts), fit, nullptr);
    const uint64_t ring_bytes =
        in_ring == fit ? bytes : bytes_of(pkts, static_cast<uint16_t>(in_ring));
    s.rx_queue_bytes.fetch_add(ring_bytes, std::memory_order_relaxed);
    c.rx_queued.add(in_ring);
    c.rx_queued_bytes.add(ring_bytes);
    if (in_ring < n) {
        c.drop(DropReason::kQueueFull, n - in_ring);
        rte_pktmbuf_free_bulk(pkts + in_ring, n - in_ring);
    }
}

void guest_rx_refill(ShapingState& s, const PortQos& q, uint64_t now, uint64_t hz) {
    if (s.rx_qos_version != q.version) {
        s.rx_shaper = make_shaper(q.rx_rate, q.rx_burst, 0, hz, now);
        s.rx_qos_version = q.version;
    }
    s.rx_shaper.refill(now);
}

uint16_t guest_rx_take(ShapingState& s, const PortQos& q, telemetry::PortCounters& c,
                       rte_mbuf** pkts, uint16_t& first_new, bool& more) {
    const uint16_t held = s.n_held.load(std::memory_order_relaxed);
    for (uint16_t i = 0; i < held; ++i) pkts[i] = s.held[i];
    s.n_held.store(0, std::memory_order_relaxed);
    const unsigned room = kBurst - held;
    const unsigned got = room
                             ? rte_ring_sc_dequeue_burst(
                                   s.rx_queue, reinterpret_cast<void**>(pkts + held), room, nullptr)
                             : 0;
    if (room && got == 0) more = false;
    const auto n = static_cast<uint16_t>(held + got);
    if (n == 0) return 0;
    s.rx_queue_bytes.fetch_sub(bytes_of(pkts, n), std::memory_order_relaxed);
    if (!q.rx_police) {
        s.rx_shaper.charge(bytes_of(pkts, n));
        first_new = held;
        return n;
    }
    // What conforms goes; the rest is dropped now, never delayed.
    rte_mbuf* dropped[kBurst];
    uint16_t n_drop = 0, keep = 0, kept_held = 0;
    for (uint16_t i = 0; i < n; ++i) {
        if (const uint64_t len = wire_bytes(pkts[i]); s.rx_shaper.has(len)) {
            s.rx_shaper.charge(len);
            if (i < held) ++kept_held;
            pkts[keep++] = pkts[i];
        } else {
            dropped[n_drop++] = pkts[i];
        }
    }
    if (n_drop) {
        c.drop(DropReason::kPoliced, n_drop);
        rte_pktmbuf_free_bulk(dropped, n_drop);
    }
    first_new = kept_held;
    return keep;
}

void guest_rx_hold(ShapingState& s, rte_mbuf** pkts, uint16_t n, uint16_t sent) {
    const auto k = static_cast<uint16_t>(n - sent);
    for (uint16_t i = 0; i < k; ++i) s.held[i] = pkts[sent + i];
    s.n_held.store(k, std::memory_order_relaxed);
    const uint64_t bytes = bytes_of(pkts + sent, k);
    s.rx_queue_bytes.fetch_add(bytes, std::memory_order_relaxed);
    s.rx_shaper.refund(bytes);
}

uint32_t guest_rx_queued(const ShapingState& s) {
    return (s.rx_queue ? rte_ring_count(s.rx_queue) : 0) + s.n_held.load(std::memory_order_relaxed);
}

uint32_t guest_rx_flush(ShapingState& s) {
    if (!s.rx_queue) return 0;
    uint32_t total = s.n_held.load(std::memory_order_relaxed);
    rte_pktmbuf_free_bulk(s.held, total);
    s.n_held.store(0, std::memory_order_relaxed);
    rte_mbuf* pkts[kBurst];
    for (unsigned n; (n = rte_ring_sc_dequeue_burst(s.rx_queue, reinterpret_cast<void**>(pkts),
                                                    kBurst, nullptr)) > 0;) {
        rte_pktmbuf_free_bulk(pkts, n);
        total += n;
    }
    s.rx_queue_bytes.store(0, std::memory_order_relaxed);
    s.queue_flushed.add(total);
    return total;
}

}  // namespace vsw
