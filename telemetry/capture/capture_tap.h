// Packet capture in the datapath. While a port is captured its tap pointer (Port::capture) is set:
// workers copy the frames it receives (as received) and the frames handed to it (as sent, before
// the device takes them, as DPDK's pdump does) into the tap's own mbufs and ring. A capture
// thread streams them to vswctl. With no capture the cost is one pointer load per burst.
//
// The copies come from the tap's pool, never the switch's, so a capture cannot starve
// forwarding; a full ring or an empty pool only costs the capture frames, counted.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/limits.h"
#include "telemetry/per_worker.h"
#include "telemetry/port_counters.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace vsw {

class CaptureFilter;

enum : uint8_t { kCaptureRx = 1, kCaptureTx = 2 };  // direction bits, as in pcapng's epb_flags

// What each copy carries in front of its bytes (in the mbuf's headroom).
struct CaptureMeta {
    uint64_t tsc;       // when the burst was received / transmitted
    uint32_t orig_len;  // the frame's length (the copy may be cut to the snap length)
    uint8_t direction;  // kCaptureRx or kCaptureTx
};

struct CaptureTap {
    rte_ring* ring = nullptr;               // MP/SC: copies, for the capture thread
    rte_mempool* pool = nullptr;            // the copies' mbufs
    uint32_t snaplen = 0;                   // bytes copied of each frame
    uint8_t directions = 0;                 // kCaptureRx | kCaptureTx
    const CaptureFilter* filter = nullptr;  // only frames it accepts (null: every frame)
    struct alignas(64) Block {
        telemetry::Counter copied;     // copies queued for the capture thread
        telemetry::Counter no_mbufs;   // frames not copied: the tap's pool was empty
        telemetry::Counter ring_full;  // copies dropped: the capture thread fell behind
    };
    telemetry::PerWorker<Block> w;  // one block per worker
};

// Copies the frames of a burst into the tap (the frames themselves are not touched).
void capture_burst(CaptureTap& tap, unsigned worker, rte_mbuf* const* pkts, uint16_t n,
                   uint8_t direction, uint64_t tsc);

// The datapath's two hooks: one pointer load per burst when the port is not captured.
// `port_tap` is the captured port's tap pointer.
inline void capture_received(const std::atomic<CaptureTap*>& port_tap, unsigned worker,
                             rte_mbuf* const* pkts, uint16_t n, uint64_t tsc) {
    CaptureTap* tap = port_tap.load(std::memory_order_acquire);
    if (tap && (tap->directions & kCaptureRx))
        capture_burst(*tap, worker, pkts, n, kCaptureRx, tsc);
}
void capture_sent_burst(CaptureTap& tap, unsigned worker, rte_mbuf* const* pkts,
                        uint16_t n);  // reads the TSC
inline void capture_sent(const std::atomic<CaptureTap*>& port_tap, unsigned worker,
                         rte_mbuf* const* pkts, uint16_t n) {
    CaptureTap* tap = port_tap.load(std::memory_order_acquire);
    if (tap && (tap->directions & kCaptureTx)) capture_sent_burst(*tap, worker, pkts, n);
}

}  // namespace vsw
