// Port security's control side: each port's MAC limit and storm control published for the
// workers (security/security_table.h) with their feature bits, and the learned MACs a limited
// port has in `show`. The settings are the ports' own (mac-limit, flood-rate, flood-burst); the
// stages are security/ and the FDB's limit.
#pragma once

#include <array>

#include "security/security_table.h"
#include "src/control/controller.h"

namespace vsw {

class PortSecurityController final : public Controller {
  public:
    explicit PortSecurityController(const SwitchServices& services) : sw_(services) {}

    void register_commands(CommandTable&) override {}  // settings of add-port and set-port
    void publish(Snapshot& next) override;
    void port_removed(uint16_t slot) override;
    void add_to_port_view(const SwitchPort& port, nlohmann::json& view) const override;

  private:
    const SwitchServices sw_;
    std::array<StormPolicy, kMaxPorts> storm_{};  // as last published, by slot
    uint64_t storm_versions_ = 0;                 // StormPolicy versions handed out
};

}  // namespace vsw
