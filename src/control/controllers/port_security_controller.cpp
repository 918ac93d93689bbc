// Port security's control side (port_security_controller.h).
#include "src/control/controllers/port_security_controller.h"

#include <array>

#include "security/security_table.h"

namespace vsw {

namespace {

class PortSecurityController final : public Controller {
  public:
    explicit PortSecurityController(const SwitchServices& services) : sw_(services) {}

    // Its settings are the ports' own: add-port and set-port take them.
    void register_commands(CommandTable&) override {}

    // The table and the feature bits of the ports that have a limit or storm control.
    void publish(Snapshot& next) override {
        std::unique_ptr<SecurityTable> t;
        for (SwitchPort* p : sw_.ports()) {
            const PortSecurity& s = p->config.security;
            StormPolicy& storm = storm_[p->slot];
            const uint32_t burst = s.flood_rate ? effective_flood_burst(s) : 0;
            if (storm.rate != s.flood_rate || storm.burst != burst)
                storm = {s.flood_rate, burst, ++storm_versions_};  // the meters start afresh
            if (!s.mac_limit && !s.flood_rate && !s.enabled) continue;
            if (!t) t = std::make_unique<SecurityTable>();
            t->mac_limit[p->slot] = s.mac_limit;
            t->storm[p->slot] = storm;
            if (s.enabled) t->set_guest_policy(p->slot, make_guest_policy(s));
            if (s.mac_limit) next.features[p->slot] |= port_feature::kMacLimit;
            if (s.flood_rate) next.features[p->slot] |= port_feature::kStormControl;
            if (s.enabled) next.features[p->slot] |= port_feature::kPortSecurity;
        }
        next.security = std::move(t);
    }

    void port_removed(uint16_t slot) override { storm_[slot] = {}; }

    // A limited port's learned MACs.
    void add_to_port_view(const SwitchPort& p, nlohmann::json& view) const override {
        if (p.config.security.mac_limit) view["learned_macs"] = sw_.fdb->learned_on(p.slot);
    }

  private:
    const SwitchServices sw_;
    std::array<StormPolicy, kMaxPorts> storm_{};  // as last published, by slot
    uint64_t storm_versions_ = 0;                 // StormPolicy versions handed out
};

}  // namespace

std::unique_ptr<Controller> make_port_security_controller(const SwitchServices& services) {
    return std::make_unique<PortSecurityController>(services);
}

}  // namespace vsw
