// Per-port bandwidth's control side: the bandwidth view (PortQos, qos/bandwidth.h) each port's
// `bandwidth` settings give the workers, made again when they change, kept until no worker can
// read the old one; the guest-RX queue emptied when nothing drains it any more; and the shapers'
// state in `vswctl stats`. The shaping itself is qos/.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "qos/bandwidth.h"
#include "src/control/controller.h"

namespace vsw {

class BandwidthController final : public Controller {
  public:
    explicit BandwidthController(const SwitchServices& services) : sw_(services) {}

    void register_commands(CommandTable&) override {}  // settings of set-port and add-port
    void publish(Snapshot& next) override;
    void port_changed(SwitchPort& port, const PortConfig& before) override;
    void port_removed(uint16_t slot) override;
    void add_to_port_stats(const SwitchPort& port, nlohmann::json& stats) const override;

  private:
    struct View {
        std::unique_ptr<const PortQos> qos;  // what the workers read
        PortBandwidth made_from;             // the settings it was made from
    };
    const SwitchServices sw_;
    std::array<View, kMaxPorts> views_;                    // by slot
    std::vector<std::unique_ptr<const PortQos>> retired_;  // until the next publish
    uint64_t versions_ = 0;                                // PortQos versions handed out
};

}  // namespace vsw
