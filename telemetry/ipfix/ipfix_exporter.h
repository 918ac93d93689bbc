// The IPFIX exporting process: a thread of its own (never a PMD) that drains the workers' record
// rings, encodes IPFIX messages and sends them to every collector
// (telemetry/ipfix/ipfix_transport.h).
//
// Per collector (one transport session each, UDP or TCP): templates and options records (exporter
// statistics, sampling) before the first data and again every template-interval (over TCP the
// templates once per connection); sequence number = data records sent to it before this message
// (RFC 7011 section 3.1); messages never larger than the path MTU allows. Nothing here ever
// blocks a worker: a slow exporter fills the rings and the workers count the records they lose.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "telemetry/ipfix/flow_meter.h"
#include "telemetry/ipfix/ipfix_config.h"
#include "telemetry/ipfix/ipfix_message.h"
#include "telemetry/ipfix/ipfix_transport.h"

namespace vsw {

class IpfixExporter {
  public:
    // `epoch_ms_at_origin`: the wall-clock time (ms since 1970) of the switch clock's origin.
    explicit IpfixExporter(uint64_t epoch_ms_at_origin);
    ~IpfixExporter();

    void start();
    // Sends whatever is left (rings, retired meters) and stops the thread.
    void stop();
    // New settings; collectors whose address and domain are unchanged keep their sequence.
    void configure(const IpfixConfig& c);
    // `active`: the meters the workers fill now. `retired`: meters no worker uses any more:
    // their rings are drained, their flows ended (forced end, reason 4), exported and freed.
    void set_meters(std::vector<FlowMeter*> active,
                    std::vector<std::unique_ptr<FlowMeter>> retired);

    // The ports by ingressInterface value, for the interface-names options records (sent with
    // the other options records, and at once when the table changes).
    void set_interfaces(std::vector<std::pair<uint32_t, std::string>> interfaces);

    // Returns once a whole cycle ran after the call: what was handed over has been sent.
    void sync();

    // Counters and per-collector state for `vswctl ipfix show`.
    nlohmann::json stats() const;

  private:
    void run();
    // One pass: takes records, sends templates when due, encodes and sends. Exporter thread.
    void cycle();
    void apply_pending_config();
    // Sends batch_ to every collector (templates first when due) and empties it.
    void export_batch();
    void send_templates(CollectorSession& s, uint64_t now_ms);
    void send_records(CollectorSession& s, const std::vector<telemetry::FlowRecord>& records,
                      uint64_t now_ms);
    void send_message(CollectorSession& s, telemetry::ipfix::MessageBuilder& b, uint64_t now_ms);
    telemetry::ipfix::ExporterStats exporter_stats(const CollectorSession& s) const;

    const uint64_t epoch_ms_at_origin_;
    mutable std::mutex mu_;  // guards the fields up to the thread's own state
    std::condition_variable wake_;
    bool stop_ = false;
    bool config_changed_ = false;
    uint64_t cycles_done_ = 0;  // cycles completed
    std::condition_variable synced_;
    IpfixConfig pending_;             // from configure()
    std::vector<FlowMeter*> active_;  // from set_meters()
    std::vector<std::unique_ptr<FlowMeter>> retired_;
    std::vector<std::pair<uint32_t, std::string>> interfaces_;  // from set_interfaces()
    bool interfaces_changed_ = false;
    std::vector<std::unique_ptr<CollectorSession>>
        sessions_;                    // replaced under mu_; used without it
    FlowMeterTotals retired_totals_;  // meters already retired (their counters are gone with them)

    // Exporter thread only.
    IpfixConfig config_;
    std::vector<telemetry::FlowRecord> batch_;
    std::atomic<uint64_t> records_taken_{0};
    std::thread thread_;
};

}  // namespace vsw
