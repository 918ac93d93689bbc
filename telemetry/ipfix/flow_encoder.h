// How one export protocol writes the flow cache's records for one collector. The flow exporter
// (flow_exporter.h) drains the meters and hands each batch to every collector's encoder: IPFIX
// (ipfix_encoder.h) or NetFlow v9 / v5 (telemetry/netflow/), chosen by the collector's protocol
// (HOST:PORT, tcp://HOST:PORT, netflow9://HOST:PORT, ...) through the factory the control thread
// gives the exporter. Exporter thread only; a virtual call per batch, never per frame.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "telemetry/export/collector_session.h"
#include "telemetry/export/interface_table.h"
#include "telemetry/ipfix/flow_cache.h"
#include "telemetry/ipfix/flow_meter.h"
#include "telemetry/ipfix/ipfix_config.h"

namespace vsw {

// What an encoder needs besides the records.
struct FlowExportContext {
    const IpfixConfig& config;         // domain (source id), sampling, template interval, MTU
    const InterfaceTable& interfaces;  // ifIndex -> port name, for options records
    uint64_t epoch_ms_at_origin = 0;   // wall clock (ms since 1970) at the switch clock's origin
    uint64_t unix_ms = 0;              // wall clock now
    uint64_t switch_ms = 0;            // switch clock now (the flow records' times)
    FlowMeterTotals totals;            // the meters' counts: what was lost or ignored so far
};

class FlowEncoder {
  public:
    virtual ~FlowEncoder() = default;
    // What the protocol's sequence number counts (the session keeps it).
    virtual SequenceCounts sequence_counts() const = 0;
    // Templates and options records; called when `s.templates_at_ms` is due, sets the next time.
    virtual void send_templates(CollectorSession& s, const FlowExportContext& ctx,
                                uint64_t now_ms) = 0;
    virtual void send_records(CollectorSession& s, std::span<const telemetry::FlowRecord> records,
                              const FlowExportContext& ctx, uint64_t now_ms) = 0;
};

// The encoder for a collector's protocol; null if none speaks it.
using FlowEncoderFactory = std::function<std::unique_ptr<FlowEncoder>(const Collector&)>;

}  // namespace vsw
