// DPDK ethdev ports (a PCI NIC, net_tap, net_af_packet, ...) created from devargs at runtime.
#pragma once

#include <rte_ethdev.h>
#include <rte_spinlock.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace vsw {

// The guest offloads a device carries out itself (from its tx_offload_capa, enabled at
// configure); the others are done in software before the TX burst.
struct DeviceOffloads {
    bool csum = false;           // TCP and UDP checksums
    bool tso4 = false;           // TCP segmentation over IPv4 (with the IPv4 header checksum)
    bool tso6 = false;           // TCP segmentation over IPv6
    bool tso_counts_l2 = false;  // its segments' L2 headers count against its MTU (net_tap)
    uint64_t enabled = 0;        // RTE_ETH_TX_OFFLOAD_* configured
    bool prepare() const { return csum || tso4 || tso6; }  // frames go through tx_prepare
};

struct EthdevState {
    uint16_t port_id = 0;              // ethdev port id
    uint16_t tx_queues = 0;            // configured TX queues
    bool tx_shared = false;            // fewer TX queues than workers: the last queue is shared
    DeviceOffloads offloads;           // set before the port starts
    std::atomic<bool> started{false};  // rx/tx allowed
    rte_spinlock_t tx_lock = RTE_SPINLOCK_INITIALIZER;  // guards the shared queue
};

// The TX queue a worker sends on, and whether it must hold tx_lock to do so. With fewer queues
// than workers, each worker below the last queue has its own and the others share the last one,
// every user of which takes the lock.
struct TxQueueOf {
    uint16_t queue;  // queue index
    bool locked;     // shared: take tx_lock
};
inline TxQueueOf tx_queue_of(const EthdevState& s, unsigned worker) {
    if (!s.tx_shared || worker + 1u < s.tx_queues) return {static_cast<uint16_t>(worker), false};
    return {static_cast<uint16_t>(s.tx_queues - 1), true};
}

// Probes `devargs`, configures one RX queue and one TX queue per worker (or as many as the
// device has), starts it in promiscuous mode. Returns "" or an error message.
std::string ethdev_open(const std::string& devargs, unsigned workers, rte_mempool* pool,
                        EthdevState& state);

// Stops and removes the device. Callers make sure no worker uses it any more.
void ethdev_close(EthdevState& state);

// The names of the TX offloads enabled on the device ("tcp_tso", ...), for vswctl show.
std::string ethdev_offload_names(const EthdevState& state);

namespace ethdev {

inline uint16_t rx_burst(EthdevState& s, rte_mbuf** pkts, uint16_t n) {
    return rte_eth_rx_burst(s.port_id, 0, pkts, n);
}

// The device's checks and header preparation of frames it is to offload (rte_eth_tx_prepare):
// how many of pkts[0..n) passed; pkts[k] for the k returned, if below n, was refused.
inline uint16_t tx_prepare(EthdevState& s, unsigned worker, rte_mbuf** pkts, uint16_t n) {
    return rte_eth_tx_prepare(s.port_id, tx_queue_of(s, worker).queue, pkts, n);
}

// Transmits; the PMD frees what it sent, the caller frees the rest.
inline uint16_t tx_burst(EthdevState& s, unsigned worker, rte_mbuf** pkts, uint16_t n) {
    const TxQueueOf q = tx_queue_of(s, worker);
    if (!q.locked) return rte_eth_tx_burst(s.port_id, q.queue, pkts, n);
    rte_spinlock_lock(&s.tx_lock);  // more workers than queues: the last one is shared
    const uint16_t sent = rte_eth_tx_burst(s.port_id, q.queue, pkts, n);
    rte_spinlock_unlock(&s.tx_lock);
    return sent;
}

}  // namespace ethdev
}  // namespace vsw
