#include "src/control/flow_encoders.h"

#include "telemetry/ipfix/ipfix_encoder.h"
#include "telemetry/netflow/netflow_encoders.h"

namespace vsw {

std::unique_ptr<FlowEncoder> make_flow_encoder(const Collector& c) {
    if (c.protocol.empty()) return std::make_unique<IpfixEncoder>();
    if (c.protocol == "netflow9") return std::make_unique<Netflow9Encoder>();
    if (c.protocol == "netflow5") return std::make_unique<Netflow5Encoder>();
    return nullptr;
}

}  // namespace vsw
