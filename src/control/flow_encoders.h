// The flow export protocols vswd speaks, by a collector's protocol: the registration point of
// every flow record encoder (telemetry/ipfix/flow_encoder.h).
#pragma once

#include <memory>

#include "telemetry/ipfix/flow_encoder.h"

namespace vsw {

// The encoder for `c`'s protocol: IPFIX for HOST:PORT and tcp://HOST:PORT, NetFlow for
// netflow9://HOST:PORT and netflow5://HOST:PORT; null if none.
std::unique_ptr<FlowEncoder> make_flow_encoder(const Collector& c);

}  // namespace vsw
