#include "src/control/flow_encoders.h"

#include "telemetry/ipfix/ipfix_encoder.h"
#include "telemetry/netflow/netflow_encoders.h"

namespace vsw {

std::unique_ptr<FlowEncoder> make_flow_encoder(const Collector& c) {
    if (c.protocol.empty()) return make_ipfix_encoder();
    if (c.protocol == "netflow9") return make_netflow9_encoder();
    if (c.protocol == "netflow5") return make_netflow5_encoder();
    return nullptr;
}

}  // namespace vsw
