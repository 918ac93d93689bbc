// Port security's control side (port_security_controller.h).
#include "src/control/controllers/port_security_controller.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "security/security_table.h"
#include "src/control/controllers/dhcp_learning.h"
#include "src/control/controllers/port_security_view.h"

namespace vsw {

namespace {

class PortSecurityController final : public Controller {
  public:
    explicit PortSecurityController(const SwitchServices& services)
        : sw_(services), dhcp_(services) {
        sw_.slow_path->claim(PuntReason::kDhcp, [this](const Punt& p) {
            if (p.frame && dhcp_.take(p.slot, p.frame)) addresses_changed();
        });
    }

    // Its settings are the ports' own: add-port and set-port take them. port-security-show
    // gives what each port learned and refused.
    void register_commands(CommandTable& t) override {
        t.add(
            "port-security-show", [this](const Request&) { return show(); }, "port_security");
    }

    // The table and the feature bits of the ports that have a limit or storm control; the
    // allowed MACs pinned in the FDB.
    void publish(Snapshot& next) override {
        std::unique_ptr<SecurityTable> t;
        for (SwitchPort* p : sw_.ports()) {
            pin_allowed_macs(*p);
            const PortSecurity& s = p->config.security;
            StormPolicy& storm = storm_[p->slot];
            const uint32_t burst = s.flood_rate ? effective_flood_burst(s) : 0;
            if (storm.rate != s.flood_rate || storm.burst != burst)
                storm = {s.flood_rate, burst, ++storm_versions_};  // the meters start afresh
            if (!s.mac_limit && !s.flood_rate && !s.enabled) continue;
            if (!t) t = std::make_unique<SecurityTable>();
            t->mac_limit[p->slot] = s.mac_limit;
            t->storm[p->slot] = storm;
            if (s.enabled)
                t->set_guest_policy(p->slot, make_guest_policy(s, dhcp_.addresses(p->config.name)));
            if (s.enabled && s.learn_dhcp) t->snoop_dhcp = true;
            if (s.mac_limit) next.features[p->slot] |= port_feature::kMacLimit;
            if (s.flood_rate) next.features[p->slot] |= port_feature::kStormControl;
            if (s.enabled) next.features[p->slot] |= port_feature::kPortSecurity;
        }
        next.security = std::move(t);
    }

    void tick() override {
        if (dhcp_.expire()) addresses_changed();
    }

    // After the ports: the guests' policies take the leases they had.
    void restore(const SwitchConfig& c) override {
        dhcp_.restore(c);
        sw_.publish();
    }
    void save(SwitchConfig& c) const override { dhcp_.save(c); }

    // A port that stops learning from DHCP forgets what it learned.
    void port_changed(SwitchPort& p, const PortConfig& before) override {
        const PortSecurity& s = p.config.security;
        if (before.security.learn_dhcp && !(s.enabled && s.learn_dhcp) &&
            dhcp_.forget(p.config.name))
            addresses_changed();
    }

    void port_removed(uint16_t slot) override {
        if (const SwitchPort* p = sw_.port_at(slot); p && dhcp_.forget(p->config.name)) persist();
        storm_[slot] = {};
        sw_.fdb->unpin_port(slot);
        pins_[slot] = {};
    }

    // An allowed MAC is pinned to one port: it cannot be another's too.
    std::string check_port(const PortConfig& c) const override {
        if (!c.security.enabled) return "";
        for (const SwitchPort* p : sw_.ports()) {
            const PortSecurity& other = p->config.security;
            if (p->config.name == c.name || !other.enabled) continue;
            for (Mac m : c.security.allowed_macs)
                if (std::find(other.allowed_macs.begin(), other.allowed_macs.end(), m) !=
                    other.allowed_macs.end())
                    return "allowed-macs: " + mac_to_string(m) + " is already port " +
                           p->config.name + "'s (a MAC is pinned to one port)";
        }
        return "";
    }

    // A limited port's learned MACs; what DHCP gave a learning port's guest.
    void add_to_port_view(const SwitchPort& p, nlohmann::json& view) const override {
        if (p.config.security.mac_limit) view["learned_macs"] = sw_.fdb->learned_on(p.slot);
        if (p.config.security.learn_dhcp) view["learned-ips"] = dhcp_.view(p.config.name);
    }

  private:
    ControlResult show() const {
        nlohmann::json ports = nlohmann::json::array();
        for (const SwitchPort* p : sw_.ports()) {
            const PortSecurity& s = p->config.security;
            nlohmann::json learned_ips = s.learn_dhcp ? dhcp_.view(p->config.name) : nullptr;
            nlohmann::json j = port_security_view(*p, sw_.fdb->learned_on(p->slot), learned_ips);
            if (!j.is_null()) ports.push_back(std::move(j));
        }
        return ControlResult::ok({{"ports", std::move(ports)}});
    }

    // The guests' policies take the new addresses, and the state file their leases.
    void addresses_changed() {
        sw_.publish();
        persist();
    }
    void persist() const {
        const ControlResult r = sw_.persist_or_undo(ControlResult::ok(), [] {});
        if (!r.error.empty())
            fprintf(stderr, "vswd: DHCP leases not persisted: %s\n", r.error.c_str());
    }

    // What a port's pins depend on: its allowed MACs and its untagged VLAN.
    struct Pins {
        std::vector<Mac> macs;
        uint16_t vlan = 0;
        bool operator==(const Pins&) const = default;
    };

    // Pins the port's allowed MACs in its untagged VLAN (its worker pins them in tagged ones as
    // its guest uses them), once its settings changed: the old pins go first.
    void pin_allowed_macs(const SwitchPort& p) {
        const PortConfig& c = p.config;
        Pins want;
        if (c.security.enabled) {
            want.macs = c.security.allowed_macs;
            want.vlan = c.vlan_mode == VlanMode::kTrunk ? 0 : c.tag;
        }
        if (want == pins_[p.slot]) return;
        sw_.fdb->unpin_port(p.slot);
        for (Mac m : want.macs)
            if (!sw_.fdb->pin(m, want.vlan, p.slot))
                fprintf(stderr, "vswd: port '%s': FDB full: allowed MAC %s not pinned\n",
                        c.name.c_str(), mac_to_string(m).c_str());
        pins_[p.slot] = std::move(want);
    }

    const SwitchServices sw_;
    DhcpLearning dhcp_;
    std::array<Pins, kMaxPorts> pins_{};          // as last applied, by slot
    std::array<StormPolicy, kMaxPorts> storm_{};  // as last published, by slot
    uint64_t storm_versions_ = 0;                 // StormPolicy versions handed out
};

}  // namespace

std::unique_ptr<Controller> make_port_security_controller(const SwitchServices& services) {
    return std::make_unique<PortSecurityController>(services);
}

}  // namespace vsw
