// A port as the control thread keeps it: the datapath's Port (what workers read through the
// snapshot) and what only the control thread uses: the operator's configuration, the attachment
// state and the VLAN view published for the port.
#pragma once

#include <memory>
#include <string>

#include "src/config/config.h"
#include "src/datapath/port.h"
#include "src/datapath/vlan_stage.h"

namespace vsw {

struct SwitchPort : Port {
    PortConfig config;                     // what the operator asked for
    bool attached = false;                 // socket registered / device opened
    std::string error;                     // why attaching failed, when !attached
    std::unique_ptr<const PortVlan> vlan;  // published in snapshots; replaced, never changed
    bool cfm_fault = false;  // its CFM MEP has a fault (the CFM controller's; a bond reads it)
};

// The datapath's kind of a configured port type.
inline PortKind port_kind(PortType t) {
    if (t == PortType::kBond) return PortKind::kBond;
    return is_vhost(t) ? PortKind::kVhost : PortKind::kEthdev;
}

// The datapath's VLAN view of a valid config.
PortVlan port_vlan(const PortConfig& p);

}  // namespace vsw
