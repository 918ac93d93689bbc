#include "src/control/flow_encoders.h"

#include "telemetry/ipfix/ipfix_encoder.h"

namespace vsw {

std::unique_ptr<FlowEncoder> make_flow_encoder(const Collector& c) {
    if (c.protocol.empty()) return std::make_unique<IpfixEncoder>();
    return nullptr;
}

}  // namespace vsw
