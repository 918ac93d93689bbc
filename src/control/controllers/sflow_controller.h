// sFlow's control side: the settings (`sflow set`, persisted as the state file's "sflow"
// section), one sampler per PMD worker while sFlow is on (their slice of the snapshot:
// SflowSampling, and the kSflow feature bit of each port it covers), the counter polling of
// those ports, and the agent on the exporter thread. Sampling is telemetry/sflow/sflow_sampler.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "src/control/controller.h"
#include "telemetry/sflow/sflow_agent.h"
#include "telemetry/sflow/sflow_config.h"
#include "telemetry/sflow/sflow_sampler.h"

namespace vsw {

class SflowController final : public Controller {
  public:
    explicit SflowController(const SwitchServices& services) : sw_(services) {}
    ~SflowController() override;

    void register_commands(CommandTable& table) override;
    void publish(Snapshot& next) override;
    void tick() override;
    void restore(const SwitchConfig& c) override;
    void save(SwitchConfig& c) const override;
    void port_removed(uint16_t slot) override;
    void shutdown() override;

  private:
    ControlResult show() const;  // settings, state and counters
    // Applies a configuration: samplers and the agent when sFlow goes on, none when it goes
    // off. "" or the error.
    std::string apply(const SflowConfig& c);
    // Counter samples of the ports due now (all of them with `all`).
    void poll_counters(bool all);

    const SwitchServices sw_;
    SflowConfig config_;                                               // no collectors: off
    telemetry::sflow::AgentAddress agent_address_;                     // what the datagrams carry
    std::array<std::unique_ptr<SflowSampler>, kMaxWorkers> samplers_;  // one per worker while on
    std::unique_ptr<SflowAgent> agent_;      // created when sFlow is first enabled
    std::optional<std::string> unreadable_;  // a state-file section restore could not use: kept
    uint64_t rings_created_ = 0;             // for unique rte_ring names
    uint64_t polled_at_ms_ = 0;              // switch clock of the last counter samples
};

}  // namespace vsw
