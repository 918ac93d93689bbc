// Port security's control side (port_security_controller.h).
#include "src/control/controllers/port_security_controller.h"

namespace vsw {

void PortSecurityController::publish(Snapshot& next) {
    std::unique_ptr<SecurityTable> t;
    for (SwitchPort* p : sw_.ports()) {
        const PortSecurity& s = p->config.security;
        StormPolicy& storm = storm_[p->slot];
        const uint32_t burst = s.flood_rate ? effective_flood_burst(s) : 0;
        if (storm.rate != s.flood_rate || storm.burst != burst)
            storm = {s.flood_rate, burst, ++storm_versions_};  // the workers' meters start afresh
        if (!s.mac_limit && !s.flood_rate) continue;
        if (!t) t = std::make_unique<SecurityTable>();
        t->mac_limit[p->slot] = s.mac_limit;
        t->storm[p->slot] = storm;
        if (s.mac_limit) next.features[p->slot] |= port_feature::kMacLimit;
        if (s.flood_rate) next.features[p->slot] |= port_feature::kStormControl;
    }
    next.security = std::move(t);
}

void PortSecurityController::port_removed(uint16_t slot) {
    storm_[slot] = {};
}

void PortSecurityController::add_to_port_view(const SwitchPort& p, nlohmann::json& view) const {
    if (p.config.security.mac_limit) view["learned_macs"] = sw_.fdb->learned_on(p.slot);
}

}  // namespace vsw
