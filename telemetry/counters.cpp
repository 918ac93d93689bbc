#include <array>

#include "telemetry/drop_reasons.h"
#include "telemetry/port_counters.h"

namespace vsw::telemetry {
namespace {

struct ReasonText {
    std::string_view name;         // counter name
    std::string_view description;  // what it means
};

constexpr std::array<ReasonText, kDropReasonCount> kReasons = {{
#define VSW_X(e, name, side, desc) {name, desc},
    VSW_DROP_REASONS(VSW_X)
#undef VSW_X
}};

}  // namespace

std::string_view drop_reason_name(DropReason r) { return kReasons[static_cast<unsigned>(r)].name; }

std::string_view drop_reason_description(DropReason r) {
    return kReasons[static_cast<unsigned>(r)].description;
}

std::optional<DropReason> drop_reason_from_name(std::string_view name) {
    for (unsigned i = 0; i < kDropReasonCount; ++i)
        if (kReasons[i].name == name) return static_cast<DropReason>(i);
    return std::nullopt;
}

void PortCountersTotal::accumulate(const PortCounters& c) {
    rx_packets += c.rx_packets.get();
    rx_bytes += c.rx_bytes.get();
    tx_packets += c.tx_packets.get();
    tx_bytes += c.tx_bytes.get();
    flooded += c.flooded.get();
    learn_full += c.learn_full.get();
    tx_throttled += c.tx_throttled.get();
    rx_queued += c.rx_queued.get();
    rx_queued_bytes += c.rx_queued_bytes.get();
    for (unsigned i = 0; i < kDropReasonCount; ++i) drops[i] += c.drops[i].get();
}

uint64_t PortCountersTotal::total_drops() const {
    uint64_t sum = 0;
    for (uint64_t d : drops) sum += d;
    return sum;
}

}  // namespace vsw::telemetry
