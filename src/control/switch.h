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
    ControlResult mirror_add(const MirrorConfig& m);
    ControlResult mirror_del(const std::string& name);
    ControlResult mirror_show();
    ControlResult vxlan_map(uint16_t vlan, uint32_t vni);
    ControlResult vxlan_unmap(uint16_t vlan);
    ControlResult vxlan_remote(RemoteOp op, const OverlayRemote& r);
    ControlResult vxlan_show();

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
    // Mirrors (switch_mirrors.cpp): the sessions compiled for the workers (null if none), and
    // the session that uses a port as source or output.
    std::unique_ptr<const MirrorTable> build_mirror_table() const;
    const MirrorConfig* mirror_using(const std::string& port) const;
    // A session's runtime; ERSPAN ones get their hand-off ring. Null if it cannot be created.
    std::unique_ptr<MirrorRuntime> make_mirror_runtime(const MirrorConfig& m);
    // ERSPAN next hops without a static MAC: wanted from the neighbours (neighbors.h).
    void resolve_next_hops();
    // An ARP frame punted up: the VTEP address answered, next hops learned.
    void take_arp(const Punt& p);
    // The MAC frames vsw builds leave `out` with: the NIC's own, or (a vhost-user port has none)
    // a locally administered one derived from `ip`.
    static uint64_t output_mac(const SwitchPort& out, uint32_t ip);
    // VXLAN overlay (switch_overlay.cpp). The port with a VTEP address, or null.
    const SwitchPort* vtep_port() const;
    // Why `c` cannot be a port's configuration next to the others' VTEP addresses, or "".
    std::string vtep_conflict(const PortConfig& c) const;
    std::unique_ptr<const OverlayTable> build_overlay_table() const;
    // Makes `next` the control plane's state: VTEPs, flood lists, remote FDB entries. "" or why
    // not (nothing changed then).
    std::string program_remote(const OverlayRemote& next);
    // Adds or removes the remote FDB entries of VNI `vni` in VLAN `vlan`.
    void program_vni_macs(uint32_t vni, uint16_t vlan, bool add);
    // The remote VTEPs' next hops, wanted from the neighbours (neighbors.h).
    void resolve_vtep_next_hops();
    // An ARP request for the VTEP address is answered.
    void answer_vtep_arp(const ArpMessage& a);
    // The guests' ARP sightings from the workers: the IP of each (VLAN, MAC) of an overlay VLAN,
    // for fdb show (vsw-evpn's MAC/IP routes). Entries not seen for kGuestIpMemory go.
    void take_guest_arp(const GuestArp& a);
    void forget_guest_ips();
    nlohmann::json overlay_drops() const;
    uint32_t now_seconds() const;
    uint64_t now_ms() const;  // the switch clock

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
    uint64_t qos_versions_ = 0;                             // PortQos versions handed out
    uint64_t rings_created_ = 0;                            // for unique rte_ring names
    std::vector<MirrorConfig> mirrors_;                     // mirror sessions, in creation order
    std::map<std::string, std::unique_ptr<MirrorRuntime>> mirror_rt_;  // their counters, by name
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

    OverlayConfig overlay_;  // VLAN -> VNI (persisted)
    OverlayRemote remote_;   // the control plane's remote VTEPs and MACs
    struct RemoteVtepState {
        uint16_t index = 0;                      // in OverlayTable::vteps and FDB entries
        std::unique_ptr<VtepCounters> counters;  // outlive snapshots
    };
    std::map<uint32_t, RemoteVtepState> vteps_;  // remote VTEPs named by remote_, by IP
    uint64_t vtep_arp_answered_ = 0;             // ARP requests for the VTEP address answered
    struct GuestIp {
        uint32_t ip = 0;
        uint16_t slot = 0;  // the port the ARP came in on
        uint32_t seen = 0;  // now_seconds() of the last sighting
    };
    static constexpr uint32_t kGuestIpMemory = 600;  // seconds: longer than an FDB entry lives
    static constexpr size_t kMaxGuestIps = 65536;
    std::map<std::pair<uint16_t, Mac>, GuestIp> guest_ips_;  // (VLAN, MAC) -> last ARP's IP

    std::unique_ptr<const PortQos> make_qos(const PortConfig& c);
};

}  // namespace vsw
