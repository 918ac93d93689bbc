// The configuration the workers read: an immutable snapshot built by the control thread and
// published through an atomic pointer. The control thread never changes a published snapshot; it
// builds a new one, swaps the pointer and frees the old one after an RCU grace period.
#pragma once

#include <cstdint>
#include <memory>

#include "bond/bond_view.h"
#include "qos/bandwidth.h"
#include "security/security_table.h"
#include "src/datapath/acl_table.h"
#include "src/datapath/overlay_table.h"
#include "src/datapath/port.h"
#include "src/datapath/port_features.h"
#include "src/datapath/vlan_stage.h"
#include "telemetry/ipfix/flow_meter.h"
#include "telemetry/mirror/mirror.h"
#include "telemetry/sflow/sflow_sampler.h"

namespace vsw {

struct Snapshot {
    uint64_t generation = 0;               // increases with every publish
    Port* ports[kMaxPorts] = {};           // by slot; nullptr: no port in that slot
    const PortVlan* vlan[kMaxPorts] = {};  // by slot: the port's VLAN configuration
    const PortQos* qos[kMaxPorts] = {};    // by slot: the port's bandwidth configuration
    PortRole role[kMaxPorts] = {};         // by slot: switching, SPAN output or underlay
    uint32_t features[kMaxPorts] = {};     // by slot: port_feature bits (port_features.h)
    uint16_t flood[kMaxPorts] = {};        // slots a flood may go to (attached and admin up)
    uint16_t n_flood = 0;                  // entries used in flood[]
    struct WorkerPorts {
        uint16_t rx[kMaxPorts];                     // slots this worker polls
        uint16_t n_rx;                              // entries used in rx[]
    } workers[kMaxWorkers] = {};                    // per-worker polling assignment
    std::unique_ptr<const MirrorTable> mirrors;     // null: no mirror session
    std::unique_ptr<const FlowExport> flows;        // null: IPFIX export off
    std::unique_ptr<const OverlayTable> overlay;    // null: no VTEP port, no VXLAN
    std::unique_ptr<const SflowSampling> sflow;     // null: sFlow off
    std::unique_ptr<const SecurityTable> security;  // null: no MAC limit, no storm control
    std::unique_ptr<const BondTable> bonds;         // null: no bond port
    std::unique_ptr<const AclTable> acl;            // null: no port has security groups
    // By slot: the MD level of the port's CFM MEP (ports with port_feature::kCfm).
    uint8_t cfm_level[kMaxPorts] = {};
};

}  // namespace vsw
