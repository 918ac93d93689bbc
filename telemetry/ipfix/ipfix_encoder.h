// IPFIX (RFC 7011) for one collector: templates and options records (exporter statistics,
// sampling, interface names) before the first data and every template-interval (over TCP the
// templates once per connection); sequence number = data records sent before the message;
// messages never larger than the path MTU allows.
#pragma once

#include "telemetry/ipfix/flow_encoder.h"

namespace vsw {

class IpfixEncoder final : public FlowEncoder {
  public:
    SequenceCounts sequence_counts() const override { return SequenceCounts::kRecords; }
    void send_templates(CollectorSession& s, const FlowExportContext& ctx,
                        uint64_t now_ms) override;
    void send_records(CollectorSession& s, std::span<const telemetry::FlowRecord> records,
                      const FlowExportContext& ctx, uint64_t now_ms) override;
};

}  // namespace vsw
