// IPFIX (RFC 7011) for one collector: templates and options records (exporter statistics,
// sampling, interface names) before the first data and every template-interval (over TCP the
// templates once per connection); sequence number = data records sent before the message;
// messages never larger than the path MTU allows.
#pragma once

#include "telemetry/ipfix/flow_encoder.h"

namespace vsw {

std::unique_ptr<FlowEncoder> make_ipfix_encoder();

}  // namespace vsw
