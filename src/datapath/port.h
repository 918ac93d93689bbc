// A switch port as the datapath sees it: kind-specific attachment state, per-worker counters,
// the shaping state, the guest backlogs and the capture tap. Ports live in slots (0..kMaxPorts-1);
// the slot number is what the FDB stores. What the operator configured is the control thread's
// business (src/control/switch_port.h).
#pragma once

#include <atomic>
#include <cstdint>

#include "core/limits.h"
#include "qos/shaping.h"
#include "src/datapath/ethdev_port.h"
#include "src/datapath/guest_backlog.h"
#include "telemetry/port_counters.h"
#include "vhost/vhost_port.h"

namespace vsw {

struct CaptureTap;

// How a port attaches, as far as the datapath cares.
enum class PortKind : uint8_t {
    kVhost,   // a vhost-user socket (either side of the connection): rte_vhost
    kEthdev,  // a DPDK ethdev
    kBond,    // dpdk ports bundled: received through its members, sent by one of them
};

struct Port {
    uint16_t slot = 0;                 // index in the port table and in FDB entries
    PortKind kind = PortKind::kVhost;  // no string on the hot path
    std::atomic<bool> admin_up{true};  // false: not polled, frames to it dropped (port_down)
    std::atomic<bool> offloads{true};  // offloads=on: large frames and partial checksums pass
    std::atomic<uint16_t> mtu{1500};   // mtu=: largest L2 payload received and sent
    vhost::VhostState vhost;           // vhost-user kind
    EthdevState eth;                   // ethdev kind (a bond: only the offloads all members do)
    // A bond: at least one member distributes (set by the bond controller).
    std::atomic<bool> bond_up{false};

    telemetry::PortCounters counters[kMaxWorkers];  // one block per worker
    ShapingState shaping;                           // bandwidth: buckets and the guest-RX queue
    // A guest: what its RX ring did not take yet, per worker (each worker its own; the control
    // thread frees what is left when the port is deleted). guest_backlog.h.
    GuestBacklog backlog[kMaxWorkers];
    // Packet capture (telemetry/capture/capture_tap.h): set and cleared by the control thread,
    // read by workers once per burst; a tap is freed only after an RCU grace period.
    std::atomic<CaptureTap*> capture{nullptr};

    bool is_vhost() const { return kind == PortKind::kVhost; }
    // The port's interface index (IPFIX ingressInterface, `vswctl show`'s ifindex).
    uint16_t ifindex() const { return static_cast<uint16_t>(slot + 1); }
    // Link as seen by the datapath: connected/started and administratively up.
    bool link_up() const {
        if (!admin_up.load(std::memory_order_relaxed)) return false;
        switch (kind) {
            case PortKind::kVhost: return vhost.ready.load(std::memory_order_acquire);
            case PortKind::kEthdev: return eth.started.load(std::memory_order_acquire);
            case PortKind::kBond: return bond_up.load(std::memory_order_acquire);
        }
        return false;
    }
};

}  // namespace vsw
