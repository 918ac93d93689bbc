// A switch port as the datapath sees it: kind-specific attachment state plus per-worker
// counters. Ports live in slots (0..kMaxPorts-1); the slot number is what the FDB stores.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "src/config.h"
#include "src/ethdev_port.h"
#include "telemetry/port_counters.h"
#include "vhost/vhost_port.h"

namespace vsw {

constexpr unsigned kMaxPorts = 256;   // port slots; FDB entries refer to slots
constexpr unsigned kMaxWorkers = 16;  // PMD threads
constexpr uint16_t kBurst = 32;       // frames per rx/tx burst

struct Port {
    // Control-thread only.
    PortConfig config;      // what the operator asked for
    bool attached = false;  // socket registered / device opened
    std::string error;      // why attaching failed, when !attached
    std::unique_ptr<const PortVlan> vlan;  // published in snapshots; replaced, never changed

    // Read by workers.
    uint16_t slot = 0;                 // index in the port table and in FDB entries
    PortType type = PortType::kVhostUserClient;  // copy of config.type: no string on the hot path
    std::atomic<bool> admin_up{true};  // false: not polled, frames to it dropped (port_down)
    vhost::VhostState vhost;           // vhost-user types
    EthdevState eth;                   // dpdk type

    telemetry::PortCounters counters[kMaxWorkers];  // one block per worker

    // Link as seen by the datapath: connected/started and administratively up.
    bool link_up() const {
        if (!admin_up.load(std::memory_order_relaxed)) return false;
        return is_vhost(type) ? vhost.ready.load(std::memory_order_acquire)
                              : eth.started.load(std::memory_order_acquire);
    }
};

}  // namespace vsw
