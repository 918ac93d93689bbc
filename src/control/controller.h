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
#include "src/control/switch_port.h"
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
    // A port's counters as `vswctl stats` shows them (its "ports" entry).
    std::function<nlohmann::json(const SwitchPort& port)> port_stats;
    // Waits until no worker reads what the control thread just took away from it (a pointer it
    // cleared); returns at once when no worker runs.
    std::function<void()> synchronize;
};

class Controller {
  public:
    virtual ~Controller() = default;
    // Its commands (the controller outlives the table).
    virtual void register_commands(CommandTable& table) = 0;
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
    // A port is going: no worker polls or sends to it any more; its device is still there.
    virtual void port_removed(uint16_t slot) { (void)slot; }
    // Its part of `show`'s answer.
    virtual void add_to_show(nlohmann::json& show) const { (void)show; }
    // vswd is exiting; the workers have stopped.
    virtual void shutdown() {}
};

// Every feature's controller, in registration order (controllers.cpp).
std::vector<std::unique_ptr<Controller>> make_controllers(const SwitchServices& services);

}  // namespace vsw
