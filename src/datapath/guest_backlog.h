// The guest backlog: frames a guest's RX ring did not take yet wait in vsw instead of being
// dropped, and the ports that send them are held back while they wait (backpressure).
//
// A flush to a guest (a vhost port that is not guest-RX-shaped: a shaped one has its own queue,
// qos/shaping.h) hands its frames to the guest's RX ring; what the ring does not take waits here,
// at most kBacklogFrames per port and worker, and is offered again at the start of the next
// round, before anything new for that guest: frames leave in the order they came. While a
// backlog holds kHoldMark frames or more, a port polled by the same worker that sends a frame to
// it is not polled from the next round on (its rx_held counts the rounds), until the backlog is
// below kResumeMark. The sender's own TX ring then fills and its driver stops its queue: TCP
// sees the pushback a tap's queue gives it on the Linux bridge, not a loss. Only what does not
// fit in the bound is dropped (tx_full); tx_waited counts what waited.
//
// A guest that takes nothing for kBacklogStallMs stalls: its backlog is dropped (tx_full),
// nobody is held for it, and what its ring cannot take is dropped at once as before, until it
// takes a frame again. A guest that is gone (link down, disconnected) takes nothing, ever: what
// waits for it is freed as port_down at the next offer (port_io.h's offer()).
//
// Ownership: each worker has its own backlog in each port (Port::backlog[worker]) and lists the
// slots where it has frames waiting (Datapath::backlogged); no worker touches another's. A
// frame that waits is a copy vsw owns (rte_vhost dequeue copied it), so it may outlive the round
// and the sender's memory. A port deleted with frames waiting: its worker forgets the slot when
// the port leaves its snapshot; the control thread frees the frames (guest_backlog_flush) once
// no worker can see the port any more (after publish()'s RCU grace period).
//
// The bound, 128 frames (1 KiB of pointers per port and worker): the hold mark (one burst)
// plus what senders still send before the hold takes effect (the burst in flight when the
// mark is crossed, one more before the next scatter sees it: up to 31 + 2 x 32 for one sender,
// so one sender on a PMD loses nothing to a slow guest; two or more sending full bursts at
// once may overflow it), and at most half a default virtio ring (256), so a guest that has
// stopped pins few mbufs.
#pragma once

#include <cstdint>

#include "core/limits.h"
#include "telemetry/port_counters.h"

struct rte_mbuf;

namespace vsw {

constexpr uint16_t kBacklogFrames = 128;      // frames waiting per port and worker, at most
constexpr uint16_t kHoldMark = kBurst;        // senders are held from this many frames waiting
constexpr uint16_t kResumeMark = kBurst / 2;  // ... until fewer than this wait
// A guest that takes nothing for this long has stopped (a paused VM, a dead driver): longer than
// a TCG guest's vCPU on an overloaded 2-core host waits for the CPU (a few scheduler slices of
// 3-4 ms each), a quarter of TCP's 200 ms minimum RTO, so a hold never costs its sender an RTO.
// Its senders are held this long once, not again until it takes a frame.
constexpr uint32_t kBacklogStallMs = 50;

static_assert((kBacklogFrames & (kBacklogFrames - 1)) == 0, "the ring's index is a mask");
static_assert(kResumeMark < kHoldMark && kHoldMark < kBacklogFrames);

// One worker's frames waiting for one guest. The owner worker only (the control thread once no
// worker can see the port).
struct alignas(64) GuestBacklog {
    uint16_t head = 0;          // index of the oldest frame in pkts[]
    uint16_t n = 0;             // frames waiting: pkts[head], pkts[head + 1], ... (modulo the size)
    bool stalled = false;       // the guest took nothing for kBacklogStallMs (then n == 0)
    uint64_t progress_tsc = 0;  // when the guest last took a frame, or the first one waited
    rte_mbuf* pkts[kBacklogFrames];  // the ring
};

// Puts frames behind those waiting; what does not fit is freed and counted as tx_full.
void guest_backlog_push(GuestBacklog& b, rte_mbuf** pkts, uint16_t n, telemetry::PortCounters& c);
// Copies up to a burst of the oldest frames into `out` (they stay in the backlog); returns how
// many.
uint16_t guest_backlog_peek(const GuestBacklog& b, rte_mbuf** out);
// The guest took the `k` oldest frames.
inline void guest_backlog_pop(GuestBacklog& b, uint16_t k) {
    b.head = static_cast<uint16_t>((b.head + k) & (kBacklogFrames - 1));
    b.n = static_cast<uint16_t>(b.n - k);
}
// The guest has stopped: every frame waiting is freed and counted as tx_full.
void guest_backlog_stall(GuestBacklog& b, telemetry::PortCounters& c);
// Frees frames a stalled guest did not take, counted as tx_full.
void guest_backlog_drop(rte_mbuf** pkts, uint16_t n, telemetry::PortCounters& c);
// Control thread, once no worker can reach the port: frees what waits. Returns how many.
uint32_t guest_backlog_flush(GuestBacklog& b);

// Offers what waits to the guest, oldest first, through `send(pkts, k)`, which returns how many
// of the k the guest took (the rest stay the backlog's); stops at the first burst the guest
// does not take whole. `now`: the TSC; `stall`: kBacklogStallMs in TSC ticks. Returns how many
// frames the guest took.
template <class Send>
uint16_t guest_backlog_drain(GuestBacklog& b, uint64_t now, uint64_t stall,
                             telemetry::PortCounters& c, Send&& send) {
    uint16_t taken = 0;
    while (b.n) {
        rte_mbuf* out[kBurst];
        const uint16_t k = guest_backlog_peek(b, out);
        const uint16_t sent = send(out, k);
        guest_backlog_pop(b, sent);
        taken = static_cast<uint16_t>(taken + sent);
        if (sent < k) break;  // the ring is full again
    }
    if (taken) b.progress_tsc = now;
    else if (b.n && now - b.progress_tsc >= stall) guest_backlog_stall(b, c);
    return taken;
}

// Frames for the guest: they go behind what waits, never before it; what the ring does not take
// waits (a stalled guest's is dropped). Same `send`, `now` and `stall` as guest_backlog_drain.
template <class Send>
void guest_backlog_send(GuestBacklog& b, rte_mbuf** pkts, uint16_t n, uint64_t now, uint64_t stall,
                        telemetry::PortCounters& c, Send&& send) {
    if (b.n) guest_backlog_drain(b, now, stall, c, send);
    if (b.n) {  // still waiting: the new frames queue behind
        guest_backlog_push(b, pkts, n, c);
        return;
    }
    const uint16_t sent = send(pkts, n);
    if (sent == n) return;        // the usual case
    if (sent) b.stalled = false;  // it takes frames again
    if (b.stalled) {
        guest_backlog_drop(pkts + sent, static_cast<uint16_t>(n - sent), c);
        return;
    }
    b.progress_tsc = now;
    guest_backlog_push(b, pkts + sent, static_cast<uint16_t>(n - sent), c);
}

}  // namespace vsw
