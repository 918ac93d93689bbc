// NetFlow v9 and v5 for one collector each (telemetry/ipfix/flow_encoder.h), from the same flow
// records as IPFIX.
//
// v9 (netflow9://HOST:PORT): templates, the sampling options record and the interface names
// before the first data and every template-interval; the sequence number counts export packets;
// source id = the observation domain. v5 (netflow5://HOST:PORT): IPv4 flows only, at most 30
// records a packet, the sampling interval in the header; the sequence counts flow records.
// Flow times in both are sysUptime: milliseconds since vswd's switch clock started.
#pragma once

#include "telemetry/ipfix/flow_encoder.h"

namespace vsw {

std::unique_ptr<FlowEncoder> make_netflow9_encoder();
std::unique_ptr<FlowEncoder> make_netflow5_encoder();

}  // namespace vsw
