// A switch port as the datapath sees it: kind-specific attachment state plus per-worker
// counters. Ports live in slots (0..kMaxPorts-1); the slot number is what the FDB stores.
#pragma once

#include <atomic>

#include <rte_ring.h>
#include <cstdint>
#include <memory>
#include <string>

#include "qos/token_bucket.h"
#include "src/config.h"
#include "src/ethdev_port.h"
#include "telemetry/port_counters.h"
#include "vhost/vhost_port.h"

namespace vsw {

struct CaptureTap;

constexpr unsigned kMaxPorts = 256;   // port slots; FDB entries refer to slots
constexpr unsigned kMaxWorkers = 16;  // PMD threads
constexpr uint16_t kBurst = 32;       // frames per rx/tx burst

struct Port {
    // Control-thread only.
    PortConfig config;      // what the operator asked for
    bool attached = false;  // socket registered / device opened
    std::string error;      // why attaching failed, when !attached
    std::unique_ptr<const PortVlan> vlan;  // published in snapshots; replaced, never changed
    std::unique_ptr<const PortQos> qos;    // likewise

    // Read by workers.
    uint16_t slot = 0;                 // index in the port table and in FDB entries
    PortType type = PortType::kVhostUserClient;  // copy of config.type: no string on the hot path
    std::atomic<bool> admin_up{true};  // false: not polled, frames to it dropped (port_down)
    vhost::VhostState vhost;           // vhost-user types
    EthdevState eth;                   // dpdk type

    telemetry::PortCounters counters[kMaxWorkers];  // one block per worker

    // Bandwidth state. The buckets belong to the worker that polls this port (its owner).
    uint64_t tx_qos_version = 0;       // owner: PortQos version tx_shaper was built for
    qos::Shaper tx_shaper;             // owner: guest-TX credit
    uint64_t rx_qos_version = 0;       // owner: PortQos version rx_shaper was built for
    qos::Shaper rx_shaper;             // owner: guest-RX credit
    rte_ring* rx_queue = nullptr;      // guest-RX shaping queue: any worker enqueues, the owner drains
    std::atomic<uint64_t> rx_queue_bytes{0};  // bytes in rx_queue
    std::atomic<int64_t> tx_tokens{0};        // owner's last view of the credits, for vswctl
    std::atomic<int64_t> rx_tokens{0};        // likewise
    // Packet capture (capture_tap.h): set and cleared by the control thread, read by workers
    // once per burst; a tap is freed only after an RCU grace period.
    std::atomic<CaptureTap*> capture{nullptr};
    telemetry::Counter queue_flushed;  // control: frames dropped from rx_queue when shaping was removed

    // Link as seen by the datapath: connected/started and administratively up.
    bool link_up() const {
        if (!admin_up.load(std::memory_order_relaxed)) return false;
        return is_vhost(type) ? vhost.ready.load(std::memory_order_acquire)
                              : eth.started.load(std::memory_order_acquire);
    }
};

}  // namespace vsw
