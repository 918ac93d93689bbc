#include "telemetry/port_counters.h"

namespace vsw::telemetry {

void PortCountersTotal::accumulate(const PortCounters& c) {
#define VSW_X(field, help) field += c.field.get();
    VSW_PORT_TRAFFIC_COUNTERS(VSW_X)
    VSW_PORT_SHAPING_COUNTERS(VSW_X)
#undef VSW_X
    for (unsigned i = 0; i < kDropReasonCount; ++i) drops[i] += c.drops[i].get();
}

uint64_t PortCountersTotal::total_drops() const {
    uint64_t sum = 0;
    for (uint64_t d : drops) sum += d;
    return sum;
}

}  // namespace vsw::telemetry
