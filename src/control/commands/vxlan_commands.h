// The VXLAN overlay's commands: VLAN <-> VNI mappings (persisted), the control plane's remote
// VTEPs and MACs (add to / delete from / replace what there is: vsw-evpn's requests), and the
// view of it all.
#pragma once

#include <cstdint>
#include <functional>

#include "overlay/overlay_config.h"
#include "overlay/overlay_report.h"
#include "src/control/command_table.h"

namespace vsw {

struct VxlanCommands {
    std::function<ControlResult(uint16_t vlan, uint32_t vni)> map{};  // checked ranges
    std::function<ControlResult(uint16_t vlan)> unmap{};
    std::function<ControlResult(RemoteOp, const OverlayRemote&)> remote{};  // add, del, sync
    std::function<ControlResult()> show{};
    // vxlan-sync's "report" (the control plane's conflicts and duplicates), after its state.
    std::function<void(const OverlayReport&)> report{};
    std::function<ControlResult(uint32_t vni, Mac mac)> clear_duplicates{};  // vni 0: all
};

// vxlan-map, vxlan-unmap, vxlan-add, vxlan-del, vxlan-sync, vxlan-show,
// vxlan-clear-duplicates.
void register_vxlan_commands(CommandTable& table, const VxlanCommands& handlers);

}  // namespace vsw
