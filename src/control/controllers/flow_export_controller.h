// Flow export's control side (IPFIX, NetFlow v9/v5): the settings (`ipfix set`, persisted as
// "ipfix"), one flow meter per PMD worker while export is on (their slice of the snapshot:
// FlowExport), and the flow exporter on the exporter thread with an encoder per collector
// (flow_encoders.cpp). Metering is telemetry/ipfix/flow_meter.cpp.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "src/control/controller.h"
#include "telemetry/ipfix/flow_exporter.h"
#include "telemetry/ipfix/flow_meter.h"
#include "telemetry/ipfix/ipfix_config.h"

namespace vsw {

class FlowExportController final : public Controller {
  public:
    explicit FlowExportController(const SwitchServices& services) : sw_(services) {}
    ~FlowExportController() override;

    void register_commands(CommandTable& table) override;
    void publish(Snapshot& next) override;
    void restore(const SwitchConfig& c) override;
    void save(SwitchConfig& c) const override { c.ipfix = config_; }
    // Exports every flow still in the caches (forced end) before vswd exits.
    void shutdown() override;

  private:
    ControlResult show() const;  // settings, state and counters
    // Applies a configuration: new meters when the cache size or the on/off state changes (the
    // old ones' flows are exported as forced ends). "" or the error.
    std::string apply(const IpfixConfig& c);

    const SwitchServices sw_;
    IpfixConfig config_;                                          // no collectors: export off
    std::array<std::unique_ptr<FlowMeter>, kMaxWorkers> meters_;  // one per worker while on
    std::unique_ptr<FlowExporter> exporter_;  // created when export is first enabled
    uint64_t rings_created_ = 0;              // for unique rte_ring names
};

}  // namespace vsw
