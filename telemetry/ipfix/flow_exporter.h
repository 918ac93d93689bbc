// The flow exporting process: a source on the exporter thread (telemetry/export/export_thread.h)
// that drains the workers' record rings and hands every batch to each collector's encoder
// (flow_encoder.h: IPFIX, NetFlow v9, NetFlow v5), which sends over the collector's transport
// session (telemetry/export/collector_session.h). Nothing here ever blocks a worker: a slow
// exporter fills the rings and the workers count the records they lose.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "telemetry/export/collector_session.h"
#include "telemetry/export/export_thread.h"
#include "telemetry/export/interface_table.h"
#include "telemetry/ipfix/flow_encoder.h"
#include "telemetry/ipfix/flow_meter.h"
#include "telemetry/ipfix/ipfix_config.h"

namespace vsw {

class FlowExporter final : public ExportSource {
  public:
    // `epoch_ms_at_origin`: the wall-clock time (ms since 1970) of the switch clock's origin.
    // `interfaces`: which port each ifIndex value is, for the encoders' options records.
    // `encoders`: the encoder of each collector's protocol. `switch_clock_ms`: the switch
    // clock now (ms since its origin), what the records' times count.
    FlowExporter(ExportThread& thread, const InterfaceTable& interfaces,
                 uint64_t epoch_ms_at_origin, FlowEncoderFactory encoders,
                 std::function<uint64_t()> switch_clock_ms);
    ~FlowExporter() override;

    // Registers with the exporter thread.
    void start() { registration_.start(); }
    // Sends whatever is left (rings, retired meters) and leaves the exporter thread.
    void stop() { registration_.stop(); }
    // New settings; collectors whose address and domain are unchanged keep their sequence.
    void configure(const IpfixConfig& c);
    // `active`: the meters the workers fill now. `retired`: meters no worker uses any more:
    // their rings are drained, their flows ended (forced end, reason 4), exported and freed.
    void set_meters(std::vector<FlowMeter*> active,
                    std::vector<std::unique_ptr<FlowMeter>> retired);

    // Returns once a whole cycle ran after the call: what was handed over has been sent.
    void sync() { registration_.sync(); }

    // Counters and per-collector state for `vswctl ipfix show`.
    nlohmann::json stats() const;

    // One pass: takes records, sends templates when due, encodes and sends. Exporter thread.
    void cycle() override;

  private:
    struct Collecting {                             // one collector
        std::unique_ptr<CollectorSession> session;  // its transport session
        std::unique_ptr<FlowEncoder> encoder;       // its protocol (null: none speaks it)
    };
    void apply_pending_config();
    // Sends batch_ to every collector (templates first when due) and empties it.
    void export_batch();
    FlowMeterTotals totals() const;

    ExportRegistration registration_;  // on the exporter thread
    const InterfaceTable& interfaces_;
    const uint64_t epoch_ms_at_origin_;
    const FlowEncoderFactory encoders_;
    const std::function<uint64_t()> switch_clock_ms_;
    mutable std::mutex mu_;  // guards the fields up to the thread's own state
    bool config_changed_ = false;
    IpfixConfig pending_;             // from configure()
    std::vector<FlowMeter*> active_;  // from set_meters()
    std::vector<std::unique_ptr<FlowMeter>> retired_;
    std::vector<Collecting> collecting_;  // replaced under mu_; used without it
    FlowMeterTotals retired_totals_;  // meters already retired (their counters are gone with them)

    // Exporter thread only.
    IpfixConfig config_;
    uint64_t interfaces_seen_ = 0;  // the interface table's version the collectors have
    std::vector<telemetry::FlowRecord> batch_;
    std::atomic<uint64_t> records_taken_{0};
};

}  // namespace vsw
