// The switch as the control thread sees it: the port table, the FDB, the PMD workers, the
// published snapshot and the persisted configuration. Every method runs on the control thread
// (vhost callbacks touch only Port::vhost, through vhost/).
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/arp.h"
#include "src/config/socket_access.h"
#include "src/control/command_table.h"
#include "src/control/controller.h"
#include "src/control/neighbors.h"
#include "src/control/switch_port.h"
#include "src/datapath/fdb.h"
#include "src/datapath/snapshot.h"
#include "src/datapath/worker.h"
#include "telemetry/capture/capture_session.h"
#include "telemetry/export/export_thread.h"
#include "telemetry/export/interface_table.h"

struct rte_mempool;
struct rte_rcu_qsbr;
struct rte_ring;

namespace vsw {

struct SwitchOptions {
    std::vector<unsigned> pmd_lcores;                    // one worker per EAL lcore listed
    uint32_t fdb_max_entries = Fdb::kDefaultMaxEntries;  // FDB size limit
    uint32_t max_sleep_us = 500;                         // idle PMD back-off ceiling
    uint32_t idle_linger_us = 0;                         // busy polling after the last packet
    uint32_t moderation_us = 0;                          // sleep after a round of few frames
    std::string state_path;       // where the configuration is persisted ("" = nowhere)
    rte_mempool* pool = nullptr;  // mbufs for receiving
    // Mbufs without a data room: one copy's payload segments, which point into guest memory.
    rte_mempool* attach_pool = nullptr;
    rte_rcu_qsbr* rcu = nullptr;  // sized for pmd_lcores.size() threads
    SocketAccess sockets;         // vhost-user socket directory and permissions
};

class Switch final {
  public:
    Switch(const SwitchOptions& opts, const SwitchSettings& settings);
    ~Switch();

    // Starts the PMD workers. Returns "" or an error.
    std::string start();
    // Re-creates the ports of a restored configuration. A port whose attachment fails stays
    // configured, shown with its error, so no configuration is lost.
    void restore(const SwitchConfig& config);
    // Periodic control work (FDB aging); call about once a second.
    void tick();
    // Forgets the MACs of ports whose link went down since the last call, as a hardware switch
    // does: frames to them are flooded (and reach the host if it moved) instead of dropped; and
    // disconnects the guests whose memory vanished under vswd (vhost/memory_fault.h).
    // Cheap; call several times a second.
    void poll_links();
    // The controllers' frequent work (captures attach and end): call after every control
    // request.
    void service_controllers();
    // How long the control loop may wait for a request before calling service_controllers()
    // and poll_links() again, in ms (shorter while a controller runs timers).
    int poll_interval_ms() const;
    // Stops workers and detaches every port (the configuration stays persisted).
    void shutdown();

    // Puts the switch's commands into `table` (the switch must outlive it).
    void register_commands(CommandTable& table);

    ControlResult add_port(const PortConfig& port);
    ControlResult del_port(const std::string& name);
    ControlResult set_port(const std::string& name, const Settings& settings);
    ControlResult set_switch(const Settings& settings);
    ControlResult show();
    ControlResult stats(const std::string& port);
    ControlResult fdb_show();
    ControlResult fdb_flush();

    SwitchConfig config() const;

  private:
    SwitchPort* find(const std::string& name) const;
    int free_slot() const;
    unsigned least_loaded_worker() const;
    // Creates the port in a free slot and attaches it; on attach failure the port is kept only
    // if `keep_on_error` (restore), otherwise removed and the error returned.
    std::string create_port(const PortConfig& cfg, bool keep_on_error);
    void destroy_port(SwitchPort* port);
    std::string attach(SwitchPort& port);
    // Why the port would make vswd create or write files outside its directories, or "".
    std::string filesystem_error(const PortConfig& cfg) const;
    void detach(SwitchPort& port);
    // Logs that `p`'s guest was given a larger MTU than the port takes.
    void warn_mtu_mismatch(const SwitchPort& p) const;
    // Why offloads cannot be turned off on `p` now (a connected guest negotiated them), or "".
    std::string offloads_change_error(const SwitchPort& p, const PortConfig& c) const;
    // Closes the connection of a port whose guest memory vanished (poll_links).
    void disconnect_faulted(SwitchPort& port);
    // Builds and publishes a new snapshot, then waits until no worker uses the old one.
    void publish();
    // Persists the configuration; on failure runs `undo` and returns the error.
    ControlResult persist_or_undo(ControlResult ok, const std::function<void()>& undo);
    nlohmann::json port_stats(const SwitchPort& p) const;
    // Why a controller refuses `c` as a port's configuration, or "".
    std::string controllers_refuse(const PortConfig& c) const;
    // An ARP frame punted up: the neighbours learn from it (ERSPAN's and VXLAN's next hops).
    void take_arp(const Punt& p);
    uint32_t now_seconds() const;

    SwitchOptions opts_;                                        // construction options
    SwitchSettings settings_;                                   // current switch-wide settings
    Fdb fdb_;                                                   // shared forwarding database
    std::array<std::unique_ptr<SwitchPort>, kMaxPorts> slots_;  // port table
    std::array<unsigned, kMaxPorts> rx_worker_{};               // worker polling each slot
    std::array<uint64_t, kMaxPorts> seen_disconnects_{};        // vhost disconnects already handled
    std::array<uint64_t, kMaxPorts> seen_memory_faults_{};  // guest memory faults already handled
    std::array<uint64_t, kMaxPorts> seen_connects_{};       // vhost devices already looked at
    std::vector<uint16_t> order_;                           // slots in creation order
    std::atomic<const Snapshot*> current_{nullptr};         // what workers read
    uint64_t generation_ = 0;                               // snapshots published
    uint64_t tsc_origin_ = 0;                               // switch clock origin
    std::vector<std::unique_ptr<Worker>> workers_;          // PMD threads
    uint64_t aged_total_ = 0;                               // FDB entries removed by aging
    uint64_t rings_created_ = 0;                            // for unique rte_ring names
    SlowPath slow_path_;  // punts up from the workers, frames down through worker 0
    // ARP for the next hops of ERSPAN sessions and VXLAN (requests go out on the slow path).
    Neighbors neighbors_{[this](uint16_t slot, std::span<const uint8_t> frame) {
        return slow_path_.send(slot, frame);
    }};
    InterfaceTable interfaces_;   // ifIndex -> port name, for the collectors of every exporter
    ExportThread export_thread_;  // runs the exporters (before them: outlives them)
    // Each feature's control side (controller.h), after the export thread they may run on.
    std::vector<std::unique_ptr<Controller>> controllers_;
    uint64_t epoch_ms_at_origin_ = 0;  // wall clock at tsc_origin_
    SwitchServices services_;          // what the controllers use of the switch
};

}  // namespace vsw
