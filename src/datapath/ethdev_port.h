// DPDK ethdev ports (a PCI NIC, net_tap, net_af_packet, ...) created from devargs at runtime.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <rte_ethdev.h>
#include <rte_spinlock.h>

namespace vsw {

struct EthdevState {
    uint16_t port_id = 0;        // ethdev port id
    uint16_t tx_queues = 0;      // configured TX queues; fewer than workers means shared queues
    std::atomic<bool> started{false};  // rx/tx allowed
    rte_spinlock_t tx_lock = RTE_SPINLOCK_INITIALIZER;  // taken only when queues are shared
};

// Probes `devargs`, configures one RX queue and one TX queue per worker (or as many as the
// device has), starts it in promiscuous mode. Returns "" or an error message.
std::string ethdev_open(const std::string& devargs, unsigned workers, rte_mempool* pool,
                        EthdevState& state);

// Stops and removes the device. Callers make sure no worker uses it any more.
void ethdev_close(EthdevState& state);

namespace ethdev {

inline uint16_t rx_burst(EthdevState& s, rte_mbuf** pkts, uint16_t n) {
    return rte_eth_rx_burst(s.port_id, 0, pkts, n);
}

// Transmits; the PMD frees what it sent, the caller frees the rest.
inline uint16_t tx_burst(EthdevState& s, unsigned worker, rte_mbuf** pkts, uint16_t n) {
    if (worker < s.tx_queues) return rte_eth_tx_burst(s.port_id, static_cast<uint16_t>(worker), pkts, n);
    rte_spinlock_lock(&s.tx_lock);  // more workers than queues: share queue 0
    uint16_t sent = rte_eth_tx_burst(s.port_id, 0, pkts, n);
    rte_spinlock_unlock(&s.tx_lock);
    return sent;
}

}  // namespace ethdev
}  // namespace vsw
