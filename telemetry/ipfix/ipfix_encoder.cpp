#include "telemetry/ipfix/ipfix_encoder.h"

#include <unistd.h>

#include "telemetry/ipfix/ipfix_message.h"

namespace vsw {

namespace ipfix = telemetry::ipfix;

namespace {

void send_message(CollectorSession& s, ipfix::MessageBuilder& b, uint64_t now_ms) {
    const uint32_t records = b.data_records();
    s.send(b.finish(), records, now_ms);
}

ipfix::ExporterStats exporter_stats(const CollectorSession& s, const FlowMeterTotals& t) {
    ipfix::ExporterStats x;
    x.process_id = static_cast<uint32_t>(getpid());
    x.messages = s.messages();
    x.records = s.records();
    x.octets = s.octets();
    x.lost_records = t.lost_records + s.failed_records();
    x.lost_packets = t.lost_packets;
    x.lost_octets = t.lost_octets;
    x.ignored_packets = t.ignored_packets;
    x.ignored_octets = t.ignored_octets;
    return x;
}

class IpfixEncoder final : public FlowEncoder {
  public:
    SequenceCounts sequence_counts() const override { return SequenceCounts::kRecords; }
    void send_templates(CollectorSession& s, const FlowExportContext& ctx,
                        uint64_t now_ms) override;
    void send_records(CollectorSession& s, std::span<const telemetry::FlowRecord> records,
                      const FlowExportContext& ctx, uint64_t now_ms) override;
};

}  // namespace

std::unique_ptr<FlowEncoder> make_ipfix_encoder() {
    return std::make_unique<IpfixEncoder>();
}

void IpfixEncoder::send_templates(CollectorSession& s, const FlowExportContext& ctx,
                                  uint64_t now_ms) {
    const IpfixConfig& c = ctx.config;
    const auto export_s = static_cast<uint32_t>(ctx.unix_ms / 1000);
    ipfix::MessageBuilder b(c.obs_domain, s.message_limit(c.mtu));
    // UDP: templates again every interval (a collector may have missed them or restarted).
    // TCP: once per connection, which delivers them reliably; options data every interval.
    if (!s.collector().tcp || !s.templates_sent) {
        b.begin(export_s, s.sequence());
        b.add_templates();
        send_message(s, b, now_ms);
        s.templates_sent = true;
    }
    // Options data after their templates: who we are and how frames were selected.
    b.begin(export_s, s.sequence());
    b.add_exporter_stats(exporter_stats(s, ctx.totals));
    ipfix::SamplingInfo si;
    si.algorithm = c.sampling_random ? 3 : 1;
    si.population = c.sampling;
    b.add_sampling(si);
    for (const auto& [ifindex, name] : ctx.interfaces.entries()) {  // ingressInterface values
        if (b.add_interface(ifindex, name)) continue;
        send_message(s, b, now_ms);
        b.begin(export_s, s.sequence());
        b.add_interface(ifindex, name);
    }
    send_message(s, b, now_ms);
    s.templates_at_ms = now_ms + uint64_t{c.template_interval} * 1000;
}

void IpfixEncoder::send_records(CollectorSession& s, std::span<const telemetry::FlowRecord> records,
                                const FlowExportContext& ctx, uint64_t now_ms) {
    const auto export_s = static_cast<uint32_t>(ctx.unix_ms / 1000);
    ipfix::MessageBuilder b(ctx.config.obs_domain, s.message_limit(ctx.config.mtu));
    b.begin(export_s, s.sequence());
    for (const telemetry::FlowRecord& r : records) {
        if (b.add_flow(r, ctx.epoch_ms_at_origin)) continue;
        send_message(s, b, now_ms);
        b.begin(export_s, s.sequence());
        b.add_flow(r, ctx.epoch_ms_at_origin);  // always fits an empty message (mtu >= 576)
    }
    if (!b.empty()) send_message(s, b, now_ms);
}

}  // namespace vsw
