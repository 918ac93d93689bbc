// CFM's control side: a MEP (cfm/cfm_mep.h) for every port with cfm-mpid set, fed with the CFM
// frames of its level that the port's workers punt (src/datapath/cfm_stage.h), run on the
// switch clock (every millisecond while a 3.3 ms MEP exists, every 10 ms otherwise), its CCMs
// sent through the slow path out of the port. A fault is logged and marks the port
// (SwitchPort::cfm_fault): a bond takes a member with a fault out of its distribution, as OVS
// does with cfm_fault. `vswctl cfm show`. Only its maker is public.
#pragma once

#include <memory>

#include "src/control/controller.h"

namespace vsw {

std::unique_ptr<Controller> make_cfm_controller(const SwitchServices& services);

}  // namespace vsw
