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

class Netflow9Encoder final : public FlowEncoder {
  public:
    SequenceCounts sequence_counts() const override { return SequenceCounts::kMessages; }
    void send_templates(CollectorSession& s, const FlowExportContext& ctx,
                        uint64_t now_ms) override;
    void send_records(CollectorSession& s, std::span<const telemetry::FlowRecord> records,
                      const FlowExportContext& ctx, uint64_t now_ms) override;
};

class Netflow5Encoder final : public FlowEncoder {
  public:
    SequenceCounts sequence_counts() const override { return SequenceCounts::kRecords; }
    // v5 has no templates: nothing to send, ever.
    void send_templates(CollectorSession& s, const FlowExportContext& ctx,
                        uint64_t now_ms) override;
    void send_records(CollectorSession& s, std::span<const telemetry::FlowRecord> records,
                      const FlowExportContext& ctx, uint64_t now_ms) override;
};

}  // namespace vsw
