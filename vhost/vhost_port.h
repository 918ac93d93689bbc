// vhost-user ports on rte_vhost: socket registration (client or server mode), the device
// callbacks that bind a vid to a port, and the rx/tx bursts the PMD workers call.
//
// Lifetime rule: a worker may touch a vid only while `ready` is true, and only between two RCU
// quiescent reports. destroy_device clears `ready` and waits for a grace period before it
// returns, so no worker is inside rte_vhost_{en,de}queue_burst for that vid afterwards.
#pragma once

#include <rte_mbuf.h>
#include <rte_vhost.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "vhost/tx_ring_driver.h"

struct rte_rcu_qsbr;

namespace vsw::vhost {

constexpr uint16_t kMaxQueuePairs = 32;  // vrings are tracked in a 64-bit mask

// Runtime state of one vhost-user port, written by the vhost callbacks, read by workers.
struct VhostState {
    std::atomic<int> vid{-1};                 // rte_vhost device id while connected
    std::atomic<bool> ready{false};           // device running: workers may use vid
    std::atomic<uint64_t> enabled_vrings{0};  // bit q set: vring q enabled by the guest
    std::atomic<uint16_t> queue_pairs{0};     // queue pairs the guest set up
    std::atomic<uint64_t> features{0};        // virtio features of the running device
    // The MTU the frontend gave its guest (QEMU's host_mtu=, offered with VIRTIO_NET_F_MTU and
    // sent with VHOST_USER_NET_SET_MTU); 0: none.
    std::atomic<uint16_t> guest_mtu{0};
    // The connection before its device runs (the guest's driver starts it: DRIVER_OK).
    std::atomic<bool> connected{false};  // a frontend is connected
    std::atomic<uint64_t> negotiated{
        0};  // virtio features it set (0: not yet; QEMU sets them at start)
    std::atomic<uint64_t> protocol_features{
        0};                                // vhost-user protocol features it agreed (0: not yet)
    std::atomic<uint64_t> connects{0};     // new_device callbacks
    std::atomic<uint64_t> disconnects{0};  // destroy_device callbacks
    std::atomic<uint64_t> sessions{0};     // vhost-user connections (a device or not)
    std::atomic<uint64_t> refused_messages{0};  // memory tables refused (message_guard.h)
    std::atomic<uint64_t> memory_faults{0};     // guest memory vanished under vswd (memory_fault.h)
    uint16_t rx_next_qp = 0;                    // owner worker only: next queue pair to poll
    TxRingDriver tx_driver;  // one copy: vsw drives the guest's TX rings (tx_ring_driver.h)
};

// Installs the RCU handle the callbacks synchronise with. Call once after EAL init.
void init(rte_rcu_qsbr* rcu);

// Registers `path` and starts the driver: vswd connects to it (client mode, with automatic
// reconnect) or listens on it (server mode). Returns "" or an error message.
// `offloads`: offer virtio::kOffloads (partial checksums, TSO) to the guest. `one_copy`: drive
// the guest's TX rings (tx_ring_driver.h); the packed ring is then not offered.
std::string register_socket(const std::string& path, bool client_mode, bool offloads, bool one_copy,
                            VhostState* state);

// Offers (or withholds) virtio::kOffloads to the next guest that connects to `path`.
void offer_offloads(const std::string& path, bool offloads);

// Drives (or stops driving) the TX rings of the next device of `path` (one copy) and withholds
// (or offers) the packed ring accordingly; a running device keeps its path until it restarts.
void offer_one_copy(const std::string& path, VhostState& state, bool one_copy);

// Stops and unregisters `path`; the device is destroyed first if connected.
void unregister_socket(const std::string& path);

// The control thread's part of the pause (call it a few times a second, on the thread that
// registers and unregisters sockets): a one-copy port whose driver a message paused, which
// rte_vhost then failed and answered (NEED_REPLY) without calling post_msg_handle, is resumed
// once the message is over (counted as failed_message_resumes, said on stderr). Without this
// its TX would wait for the frontend's next message.
void resume_after_failed_message(VhostState& s);

// vring index helpers: queue pair q has guest-RX vring 2q (we enqueue) and guest-TX 2q+1.
inline uint16_t guest_rx_vring(uint16_t qp) {
    return static_cast<uint16_t>(2 * qp);
}
inline uint16_t guest_tx_vring(uint16_t qp) {
    return static_cast<uint16_t>(2 * qp + 1);
}

// rte_vhost_dequeue_burst over the queue pairs in turn.
inline uint16_t dequeue(VhostState& s, rte_mempool* pool, rte_mbuf** pkts, uint16_t n) {
    const int vid = s.vid.load(std::memory_order_relaxed);
    const uint16_t qps = s.queue_pairs.load(std::memory_order_relaxed);
    const uint64_t enabled = s.enabled_vrings.load(std::memory_order_relaxed);
    uint16_t got = 0;
    for (uint16_t i = 0; i < qps && got < n; ++i) {
        uint16_t qp = s.rx_next_qp;
        s.rx_next_qp = static_cast<uint16_t>(qp + 1 < qps ? qp + 1 : 0);
        if (!(enabled >> guest_tx_vring(qp) & 1)) continue;
        got = static_cast<uint16_t>(got + rte_vhost_dequeue_burst(vid, guest_tx_vring(qp), pool,
                                                                  pkts + got,
                                                                  static_cast<uint16_t>(n - got)));
    }
    return got;
}

// Receives up to `n` frames the guest sent, through rte_vhost (a port whose TX rings vsw drives
// itself takes them with take() instead: none here). Owner worker only.
inline uint16_t rx_burst(VhostState& s, rte_mempool* pool, rte_mbuf** pkts, uint16_t n) {
    if (!s.ready.load(std::memory_order_acquire)) return 0;
    // A section around rte_vhost's dequeue too: the driver cannot take over the rings during it.
    const TxPath path = enter(s.tx_driver);
    if (path == TxPath::kPaused) return 0;
    const uint16_t got = path == TxPath::kRteVhost ? dequeue(s, pool, pkts, n) : 0;
    leave(s.tx_driver);
    return got;
}

// Whether vsw drives the port's TX rings now (the datapath then takes a driven section).
inline bool tx_driven(const VhostState& s) {
    return s.ready.load(std::memory_order_acquire) &&
           s.tx_driver.active.load(std::memory_order_relaxed);
}

// Result of a transmit: how many the guest took, and whether the port was usable at all.
struct TxResult {
    uint16_t sent;  // frames copied into the guest's ring
    bool up;        // false: device not running or queue disabled (nothing sent)
};

// Copies `n` frames into the guest's RX ring of queue pair (worker % queue pairs). rte_vhost
// copies and never frees: the caller frees all `n` mbufs afterwards.
inline TxResult tx_burst(VhostState& s, unsigned worker, rte_mbuf** pkts, uint16_t n) {
    if (!s.ready.load(std::memory_order_acquire)) return {0, false};
    const uint16_t qps = s.queue_pairs.load(std::memory_order_relaxed);
    if (qps == 0) return {0, false};
    const uint16_t vring = guest_rx_vring(static_cast<uint16_t>(worker % qps));
    if (!(s.enabled_vrings.load(std::memory_order_relaxed) >> vring & 1)) return {0, false};
    return {rte_vhost_enqueue_burst(s.vid.load(std::memory_order_relaxed), vring, pkts, n), true};
}

}  // namespace vsw::vhost
