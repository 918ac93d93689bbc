#include "telemetry/netflow/netflow_encoders.h"

#include <algorithm>

#include "telemetry/netflow/netflow5_message.h"
#include "telemetry/netflow/netflow9_message.h"

namespace vsw {

namespace nf = telemetry::netflow;

namespace {

// sysUptime 0 is the switch clock's origin, the clock flow records' times are on.
nf::ExportClock clock_of(const FlowExportContext& ctx) {
    return {ctx.switch_ms, 0, ctx.unix_ms};
}

void send(CollectorSession& s, std::span<const uint8_t> packet, uint32_t flows, uint64_t now_ms) {
    s.send(packet, flows, now_ms);
}

void v9_templates(CollectorSession& s, const FlowExportContext& ctx, uint64_t now_ms) {
    const IpfixConfig& c = ctx.config;
    nf::Netflow9Builder b(c.obs_domain, s.message_limit(c.mtu));
    const nf::ExportClock clock = clock_of(ctx);
    b.begin(clock, s.sequence());
    b.add_templates();  // over UDP, again every interval: a collector may have restarted
    b.add_sampling(
        {c.sampling, c.sampling_random ? nf::kV9SamplingRandom : nf::kV9SamplingDeterministic});
    for (const auto& [ifindex, name] : ctx.interfaces.entries()) {  // INPUT_SNMP values
        if (b.add_interface(ifindex, name)) continue;
        send(s, b.finish(), 0, now_ms);
        b.begin(clock, s.sequence());
        b.add_interface(ifindex, name);
    }
    send(s, b.finish(), 0, now_ms);
    s.templates_sent = true;
    s.templates_at_ms = now_ms + uint64_t{c.template_interval} * 1000;
}

void v9_records(CollectorSession& s, std::span<const telemetry::FlowRecord> records,
                const FlowExportContext& ctx, uint64_t now_ms) {
    nf::Netflow9Builder b(ctx.config.obs_domain, s.message_limit(ctx.config.mtu));
    const nf::ExportClock clock = clock_of(ctx);
    b.begin(clock, s.sequence());
    uint32_t flows = 0;
    for (const telemetry::FlowRecord& r : records) {
        nf::AddResult added = b.add_flow(r);
        if (added == nf::AddResult::kNoRoom) {
            send(s, b.finish(), flows, now_ms);
            b.begin(clock, s.sequence());
            flows = 0;
            added = b.add_flow(r);  // always fits an empty packet (mtu >= 576)
        }
        flows += added == nf::AddResult::kAdded;
        if (added == nf::AddResult::kNotExported) s.count_skipped(1);
    }
    if (flows) send(s, b.finish(), flows, now_ms);
}

// v5 has no templates: nothing to send, ever.
void v5_templates(CollectorSession& s, const FlowExportContext& ctx, uint64_t now_ms) {
    s.templates_sent = true;
    s.templates_at_ms = now_ms + uint64_t{ctx.config.template_interval} * 1000;
}

void v5_records(CollectorSession& s, std::span<const telemetry::FlowRecord> records,
                const FlowExportContext& ctx, uint64_t now_ms) {
    const IpfixConfig& c = ctx.config;
    const nf::V5Sampling sampling{
        static_cast<uint8_t>(c.sampling <= 1     ? 0
                             : c.sampling_random ? 2
                                                 : 1),
        static_cast<uint16_t>(
            std::min<uint32_t>(c.sampling <= 1 ? 0 : c.sampling, nf::kV5MaxSamplingInterval))};
    const auto limit = std::min<uint16_t>(s.message_limit(c.mtu), nf::kV5MaxLen);
    // Engine type 0 and the observation domain's low byte as the engine id.
    nf::Netflow5Builder b(0, static_cast<uint8_t>(c.obs_domain), sampling, limit);
    const nf::ExportClock clock = clock_of(ctx);
    b.begin(clock, s.sequence());
    for (const telemetry::FlowRecord& r : records) {
        const nf::AddResult added = b.add_flow(r);
        if (added == nf::AddResult::kNotExported) s.count_skipped(1);
        if (added != nf::AddResult::kNoRoom) continue;
        send(s, b.finish(), b.records(), now_ms);
        b.begin(clock, s.sequence());
        b.add_flow(r);  // an empty packet takes any flow (a 2^32-packet one as several records)
    }
    if (!b.empty()) send(s, b.finish(), b.records(), now_ms);
}

// One class for both versions: they differ in what they send, not in how the exporter uses them.
class NetflowEncoder final : public FlowEncoder {
  public:
    explicit NetflowEncoder(bool v9) : v9_(v9) {}
    SequenceCounts sequence_counts() const override {
        return v9_ ? SequenceCounts::kMessages : SequenceCounts::kRecords;
    }
    void send_templates(CollectorSession& s, const FlowExportContext& ctx,
                        uint64_t now_ms) override {
        v9_ ? v9_templates(s, ctx, now_ms) : v5_templates(s, ctx, now_ms);
    }
    void send_records(CollectorSession& s, std::span<const telemetry::FlowRecord> records,
                      const FlowExportContext& ctx, uint64_t now_ms) override {
        v9_ ? v9_records(s, records, ctx, now_ms) : v5_records(s, records, ctx, now_ms);
    }

  private:
    bool v9_;  // NetFlow v9, else v5
};

}  // namespace

std::unique_ptr<FlowEncoder> make_netflow9_encoder() {
    return std::make_unique<NetflowEncoder>(true);
}

std::unique_ptr<FlowEncoder> make_netflow5_encoder() {
    return std::make_unique<NetflowEncoder>(false);
}

}  // namespace vsw
