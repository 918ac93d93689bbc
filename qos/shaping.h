// The shaping stage: per-VM bandwidth on the datapath.
//
// Guest TX (VM -> switch) is shaped by backpressure: while the port's bucket has no credit the
// owner worker does not dequeue from the guest's TX ring, so the guest's own queue fills and its
// TCP slows down; nothing is dropped in the switch. rte_vhost dequeues packets, not bytes, so a
// burst is taken while the credit is positive and its real bytes are charged (a deficit).
//
// Guest RX (switch -> VM) goes through a bounded per-port queue (an rte_ring: any worker
// enqueues, the port's owner drains). In shape mode the owner sends while the bucket has credit;
// in police mode it sends what conforms and drops the rest at once. Rates count L2 frame bytes.
// The queue is the one place a frame waits: what the guest's ring cannot take yet stays at the
// queue's head, its charge given back, and is offered first in the next round (a shaper is a
// queue, not a second drop point); only the queue's bound drops (queue_full).
//
// The stage sees a port only through its ShapingState and counters; what it lets through goes
// to `send` (the datapath's transmit), so it knows nothing of ports or devices.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/limits.h"
#include "qos/bandwidth.h"
#include "qos/token_bucket.h"
#include "telemetry/port_counters.h"

struct rte_mbuf;
struct rte_ring;

namespace vsw {

// A port's shaping state. The buckets belong to the worker that polls the port (its owner).
struct ShapingState {
    uint64_t tx_qos_version = 0;   // owner: PortQos version tx_shaper was built for
    qos::Shaper tx_shaper;         // owner: guest-TX credit
    uint64_t rx_qos_version = 0;   // owner: PortQos version rx_shaper was built for
    qos::Shaper rx_shaper;         // owner: guest-RX credit
    rte_ring* rx_queue = nullptr;  // guest-RX shaping queue: any worker enqueues, the owner drains
    rte_mbuf* held[kBurst] = {};   // owner: the queue's head, offered but not taken by the guest
    std::atomic<uint16_t> n_held{0};          // entries used in held[] (read by vswctl)
    std::atomic<uint64_t> rx_queue_bytes{0};  // bytes in rx_queue and held[]
    std::atomic<int64_t> tx_tokens{0};        // owner's last view of the credits, for vswctl
    std::atomic<int64_t> rx_tokens{0};        // likewise
    telemetry::Counter
        queue_flushed;  // control: frames dropped from the queue when shaping was removed
};

// Owner worker, before polling the port: may its guest's TX ring be read this round?
bool guest_tx_allowed(ShapingState& s, const PortQos& q, telemetry::PortCounters& c, uint64_t now,
                      uint64_t hz);
// Owner worker, after receiving n frames from a shaped port: charges their bytes.
void guest_tx_charge(ShapingState& s, rte_mbuf* const* pkts, uint16_t n);

// Any worker: puts frames for a guest-RX-shaped port into its queue (tail drops counted).
void guest_rx_enqueue(ShapingState& s, const PortQos& q, telemetry::PortCounters& c,
                      rte_mbuf** pkts, uint16_t n);

// Owner worker: takes the next burst the bucket allows into `pkts`, the held frames first, and
// charges it (police mode: what does not conform is dropped and counted). Frames before
// `first_new` were offered before. 0 when there is nothing to send; `more` is false once the
// queue was found empty.
uint16_t guest_rx_take(ShapingState& s, const PortQos& q, telemetry::PortCounters& c,
                       rte_mbuf** pkts, uint16_t& first_new, bool& more);
// Owner worker: frames [sent, n) of a taken burst, which the guest did not take, go back to the
// head of the queue and their charge back to the bucket.
void guest_rx_hold(ShapingState& s, rte_mbuf** pkts, uint16_t n, uint16_t sent);
// Frames waiting: in the queue's ring and at its head.
uint32_t guest_rx_queued(const ShapingState& s);
// Owner worker, before and after draining: refills the bucket (rebuilt when the settings
// changed) / publishes its credit for vswctl.
void guest_rx_refill(ShapingState& s, const PortQos& q, uint64_t now, uint64_t hz);
inline void guest_rx_report(ShapingState& s) {
    s.rx_tokens.store(s.rx_shaper.tokens(), std::memory_order_relaxed);
}

// Owner worker: sends what the bucket allows from the port's queue, at most 8 bursts a round,
// through `send(pkts, n, first_new)`, which returns how many frames the guest took (the others
// are still the stage's) and does not capture frames before `first_new` again.
template <class Send>
void guest_rx_drain(ShapingState& s, const PortQos& q, telemetry::PortCounters& c, uint64_t now,
                    uint64_t hz, Send&& send) {
    guest_rx_refill(s, q, now, hz);
    rte_mbuf* pkts[kBurst];
    bool more = true;
    for (int bursts = 0; bursts < 8 && more; ++bursts) {  // bounded work per round
        if (!q.rx_police && !s.rx_shaper.positive()) break;
        uint16_t first_new = 0;
        const uint16_t n = guest_rx_take(s, q, c, pkts, first_new, more);
        if (n == 0) continue;
        const uint16_t sent = send(pkts, n, first_new);
        if (sent < n) {  // the guest's ring is full: the rest waits for the next round
            guest_rx_hold(s, pkts, n, sent);
            break;
        }
    }
    guest_rx_report(s);
}

// Control thread, once no worker can touch the queue: drops what is left in it.
uint32_t guest_rx_flush(ShapingState& s);

}  // namespace vsw
