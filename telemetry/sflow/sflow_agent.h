// The sFlow agent: a source on the exporter thread (telemetry/export/export_thread.h) that drains
// the workers' sample rings, adds the counter samples the control thread polled, packs them into
// sFlow v5 datagrams (sflow_datagram.h) and sends each datagram to every collector over its own
// UDP session, whose count of datagrams is the datagram sequence number. Sequence numbers of
// flow samples and counter samples are kept per data source (port), sample_pool and drops per
// port over every worker.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "telemetry/export/collector_session.h"
#include "telemetry/export/export_thread.h"
#include "telemetry/sflow/sflow_config.h"
#include "telemetry/sflow/sflow_datagram.h"
#include "telemetry/sflow/sflow_sampler.h"

namespace vsw {

// One port's counters as the control thread polled them.
struct SflowCounterPoll {
    std::string name;                              // the port's name (record 1005)
    telemetry::sflow::InterfaceCounters counters;  // if_index is the data source
};

// The address the kernel would send from towards `c` (a connected UDP socket's local address),
// as the agent address when none is configured. "" or the error.
std::string source_address_towards(const Collector& c, telemetry::sflow::AgentAddress& out);
// `text` (an IPv4 or IPv6 address) as an agent address; false if it is neither.
bool parse_agent_address(const std::string& text, telemetry::sflow::AgentAddress& out);
std::string format_agent_address(const telemetry::sflow::AgentAddress& a);

class SflowAgent final : public ExportSource {
  public:
    // `uptime_ms`: the agent's uptime now (the switch clock), the datagrams' uptime.
    SflowAgent(ExportThread& thread, std::function<uint64_t()> uptime_ms);
    ~SflowAgent() override;
    void start() { registration_.start(); }  // registers with the exporter thread
    void stop() { registration_.stop(); }    // sends what is left and leaves it

    // New settings and agent address; collectors that stay keep their sessions and sequences.
    void configure(const SflowConfig& c, const telemetry::sflow::AgentAddress& agent);
    // The samplers the workers fill now, by worker (a sampler no longer listed is not read
    // after this returns).
    void set_samplers(std::vector<SflowSampler*> samplers);
    // Counter samples for the next cycle.
    void post_counters(std::vector<SflowCounterPoll> polls);
    // Port `slot` is gone: its sample pool and drops start again from 0 for the next port there.
    void forget_port(uint16_t slot);
    // Returns once a whole cycle ran after the call.
    void sync() { registration_.sync(); }
    // Counters and per-collector state for `vswctl sflow show`.
    nlohmann::json stats() const;

    void cycle() override;

  private:
    struct PortTotals {  // per port and worker: the last pool and drops a sample carried
        std::array<uint32_t, kMaxWorkers> pool{};
        std::array<uint32_t, kMaxWorkers> drops{};
    };
    void add_flow_sample(unsigned worker, const SflowSampleRecord& r);
    void add_counters(const SflowCounterPoll& p);
    // Sends the datagram being built (if it holds samples) to every collector.
    void send_datagram();
    void begin_datagram();

    ExportRegistration registration_;  // on the exporter thread
    const std::function<uint64_t()> uptime_ms_;

    mutable std::mutex mu_;  // guards everything below but the atomics; held by cycle()
    SflowConfig config_;
    std::vector<std::unique_ptr<CollectorSession>> sessions_;
    std::unique_ptr<telemetry::sflow::DatagramBuilder> builder_;
    std::vector<SflowSampler*> samplers_;
    std::vector<SflowCounterPoll> polls_;
    std::array<PortTotals, kMaxPorts> totals_{};
    std::array<uint32_t, kMaxPorts + 1> flow_sequence_{};      // by ifIndex
    std::array<uint32_t, kMaxPorts + 1> counters_sequence_{};  // by ifIndex
    std::vector<uint8_t> datagram_;  // a finished datagram, its sequence set per collector
    uint64_t now_ms_ = 0;            // the cycle's time
    std::atomic<uint64_t> datagrams_{0}, flow_samples_{0}, counter_samples_{0};
};

}  // namespace vsw
