// The registration of every feature's controller (controller.h). A new feature adds one line.
#include "src/control/controller.h"
#include "src/control/controllers/acl_controller.h"
#include "src/control/controllers/bandwidth_controller.h"
#include "src/control/controllers/bond_controller.h"
#include "src/control/controllers/capture_controller.h"
#include "src/control/controllers/cfm_controller.h"
#include "src/control/controllers/flow_export_controller.h"
#include "src/control/controllers/mirror_controller.h"
#include "src/control/controllers/overlay_controller.h"
#include "src/control/controllers/port_security_controller.h"
#include "src/control/controllers/sflow_controller.h"

namespace vsw {

std::vector<std::unique_ptr<Controller>> make_controllers(const SwitchServices& services) {
    std::vector<std::unique_ptr<Controller>> out;
    out.push_back(std::make_unique<BandwidthController>(services));  // per-port shaping
    out.push_back(make_port_security_controller(services));          // MAC limit, storm
    out.push_back(make_acl_controller(services));   // security groups (reads port security)
    out.push_back(make_cfm_controller(services));   // CFM (before bonds)
    out.push_back(make_bond_controller(services));  // bonds, LACP
    out.push_back(std::make_unique<OverlayController>(services));     // VXLAN
    out.push_back(std::make_unique<MirrorController>(services));      // SPAN, RSPAN, ERSPAN
    out.push_back(std::make_unique<CaptureController>(services));     // vswctl capture
    out.push_back(std::make_unique<FlowExportController>(services));  // IPFIX, NetFlow
    out.push_back(std::make_unique<SflowController>(services));       // sFlow
    return out;
}

}  // namespace vsw
