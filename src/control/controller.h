// A feature's control side: its state, its slice of every snapshot, its periodic work, its
// commands and its part of the persisted configuration. The Switch keeps the port table and
// calls every controller, in the order controllers.cpp registers them, at these points.
// Control thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "src/config/config.h"
#include "src/control/command_table.h"
#include "src/control/commands/settings_commands.h"
#include "src/control/neighbors.h"
#include "src/control/slow_path.h"
#include "src/control/switch_port.h"
#include "src/datapath/fdb.h"
#include "src/datapath/snapshot.h"
#include "telemetry/export/export_thread.h"
#include "telemetry/export/interface_table.h"

namespace vsw {

// What a controller may use of the switch.
struct SwitchServices {
    // Builds and publishes a new snapshot (every controller adds its slice), then waits until
    // no worker reads the old one.
    std::function<void()> publish;
    // Persists the configuration (every controller's part); on failure runs `undo` and answers
    // with the error instead of `ok`.
    std::function<ControlResult(ControlResult ok, const std::function<void()>& undo)>
        persist_or_undo;
    unsigned workers = 1;                        // PMD workers
    uint64_t tsc_origin = 0;                     // the switch clock's origin (TSC)
    uint64_t epoch_ms_at_origin = 0;             // the wall clock (ms since 1970) at that origin
    ExportThread* export_thread = nullptr;       // the exporter thread every exporter runs on
    const InterfaceTable* interfaces = nullptr;  // ifIndex -> port name, kept by the switch
    std::function<SwitchPort*(const std::string& name)> find_port;  // null: no such port
    std::function<SwitchPort*(uint16_t slot)> port_at;              // null: an empty slot
    std::function<std::vector<SwitchPort*>()> ports;                // in creation order
    std::function<unsigned(uint16_t slot)> rx_worker;               // the worker polling a port
    Fdb* fdb = nullptr;                                             // the shared FDB
    // ARP resolution of next hops, shared by every feature that sends to an IP (ERSPAN, VXLAN).
    Neighbors* neighbors = nullptr;
    // The slow path: a controller claims punted frames (and sets kPuntReserved on the ports
    // whose link-local frames it wants) and sends frames out of a port.
    SlowPath* slow_path = nullptr;
    // A port's counters as `vswctl stats` shows them (its "ports" entry).
    std::function<nlohmann::json(const SwitchPort& port)> port_stats;
    // Waits until no worker reads what the control thread just took away from it (a pointer it
    // cleared); returns at once when no worker runs.
    std::function<void()> synchronize;

    // The switch clock (the FDB's, the workers'): since tsc_origin.
    uint64_t clock_ms() const;
    uint32_t clock_seconds() const;
};

// The switch clock in milliseconds, for threads that keep only its origin (the exporters).
uint64_t switch_clock_ms(uint64_t tsc_origin);

// The source MAC of the frames vsw builds (ERSPAN, VXLAN, ARP) leaving `out`: the NIC's own or,
// as a vhost-user port has none, a locally administered one derived from `local_ip`.
uint64_t frame_source_mac(const SwitchPort& out, uint32_t local_ip);

// A feature configured by settings alone (ipfix, sflow), for settings_requests().
template <class Config>
struct SettingsFeature {
    const char* name = "";            // "sflow": set's answer is {name: settings}
    const char* not_configured = "";  // del's error when the feature is off
    const Config* config = nullptr;   // the feature's settings now
    std::string (*parse)(Config&, const std::string& key, const std::string& value) = nullptr;
    std::function<std::string(const Config&)> check{};  // the whole, before it takes effect
    std::function<std::string(const Config&)> apply{};  // makes settings take effect
    std::function<bool()> configured{};                 // del has something to delete
};

// The set and del requests of such a feature: set applies KEY=VALUE settings to a copy of its
// settings with `parse`, checks the whole, makes it take effect and persists it (or goes back to
// what was); del does the same with Config{} (off). Errors ("" or the message) are the answers.
template <class Config>
SettingsCommands settings_requests(const SwitchServices& sw, SettingsFeature<Config> f,
                                   std::function<ControlResult()> show) {
    const auto change = [sw, f](const Config& next, nlohmann::json answer) {
        const Config before = *f.config;  // apply() replaces *f.config
        if (auto e = f.apply(next); !e.empty()) return ControlResult::fail(e);
        return sw.persist_or_undo(ControlResult::ok(std::move(answer)), [&] { f.apply(before); });
    };
    return {.set =
                [f, change](const Settings& settings) {
                    Config next = *f.config;
                    for (const auto& [k, v] : settings)
                        if (auto e = f.parse(next, k, v); !e.empty()) return ControlResult::fail(e);
                    if (auto e = f.check(next); !e.empty()) return ControlResult::fail(e);
                    return change(next, {{f.name, to_json(next)}});
                },
            .del =
                [f, change] {
                    if (!f.configured()) return ControlResult::fail(f.not_configured);
                    return change(Config{}, {{"deleted", f.name}});
                },
            .show = std::move(show)};
}

class Controller {
  public:
    virtual ~Controller() = default;
    // Its commands (the controller outlives the table).
    virtual void register_commands(CommandTable& table) = 0;
    // Its slice of a snapshot that takes ports out of switching: the roles of the ports it
    // claims (a SPAN output, the VTEP port). Called first, when `next` has every port but no
    // flood set yet (the switch builds it from the roles).
    virtual void claim_ports(Snapshot& next) { (void)next; }
    // Its slice of the snapshot about to be published (and its ports' feature bits): every
    // port, role and the flood set are already in `next`.
    virtual void publish(Snapshot& next) { (void)next; }
    // Periodic work, about once a second.
    virtual void tick() {}
    // Its part of the configuration: taken at start, put into what is persisted.
    virtual void restore(const SwitchConfig& c) { (void)c; }
    virtual void save(SwitchConfig& c) const { (void)c; }
    // Frequent control work: after every control request and a few times a second.
    virtual void poll() {}
    // How often poll() must run at least, in ms (timers: LACP, CFM); 0: a few times a second.
    virtual int poll_interval_ms() const { return 0; }
    // Why a port cannot have configuration `c` (added, or changed by set-port), or "".
    virtual std::string check_port(const PortConfig& c) const {
        (void)c;
        return "";
    }
    // Why port `name` cannot be deleted now (the feature uses it), or "".
    virtual std::string port_in_use(const std::string& name) const {
        (void)name;
        return "";
    }
    // A port's configuration changed from `before` (set-port), after the new snapshot.
    virtual void port_changed(SwitchPort& port, const PortConfig& before) {
        (void)port;
        (void)before;
    }
    // A port is going: no worker polls or sends to it any more; its device is still there.
    virtual void port_removed(uint16_t slot) { (void)slot; }
    // Its part of `show`'s answer, and of each port's entry in it.
    virtual void add_to_show(nlohmann::json& show) const { (void)show; }
    virtual void add_to_port_view(const SwitchPort& port, nlohmann::json& view) const {
        (void)port;
        (void)view;
    }
    // Its part of a port's `vswctl stats` entry.
    virtual void add_to_port_stats(const SwitchPort& port, nlohmann::json& stats) const {
        (void)port;
        (void)stats;
    }
    // Its part of an `fdb show` entry (a remote VTEP, a guest's IP).
    virtual void add_to_fdb_entry(const Fdb::Entry& e, nlohmann::json& view) const {
        (void)e;
        (void)view;
    }
    // vswd is exiting; the workers have stopped.
    virtual void shutdown() {}
};

// Every feature's controller, in registration order (controllers.cpp).
std::vector<std::unique_ptr<Controller>> make_controllers(const SwitchServices& services);

}  // namespace vsw
