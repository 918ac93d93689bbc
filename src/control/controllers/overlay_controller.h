// The VXLAN overlay's control side: the VTEP port (one per switch), VLAN <-> VNI mappings
// (persisted), the control plane's remote VTEPs and MACs programmed into the OverlayTable and
// the FDB (overlay_plan.h), ARP on the underlay (answering for the VTEP address; the VTEPs' next
// hops asked from the neighbours), the guests' IPs from their ARP (for vsw-evpn's MAC/IP
// routes), the commands and the view. The datapath half is src/datapath/overlay_stage.* and
// overlay/.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "core/arp.h"
#include "overlay/overlay_config.h"
#include "src/control/commands/vxlan_commands.h"
#include "src/control/controller.h"
#include "src/control/controllers/overlay_incidents.h"
#include "src/control/controllers/overlay_plan.h"

namespace vsw {

class OverlayController final : public Controller {
  public:
    explicit OverlayController(const SwitchServices& services);

    // The VTEP port is the underlay: one per switch.
    std::string check_port(const PortConfig& c) const override;
    void port_changed(SwitchPort& port, const PortConfig& before) override;
    void claim_ports(Snapshot& next) override;
    void register_commands(CommandTable& table) override;
    void restore(const SwitchConfig& c) override;
    void save(SwitchConfig& c) const override;
    void tick() override;
    void add_to_fdb_entry(const Fdb::Entry& e, nlohmann::json& view) const override;

    ControlResult map(uint16_t vlan, uint32_t vni);
    ControlResult unmap(uint16_t vlan);
    ControlResult remote(RemoteOp op, const OverlayRemote& r);
    ControlResult show() const;
    ControlResult clear_duplicates(uint32_t vni, Mac mac);

  private:
    const SwitchPort* vtep_port() const;
    // Makes `next` the control plane's state. "" or why not (nothing changed then).
    std::string program_remote(const OverlayRemote& next);
    // Adds or removes the remote FDB entries of VNI `vni` in VLAN `vlan`.
    void program_vni_macs(uint32_t vni, uint16_t vlan, bool add);
    void set_remote_mac(Mac mac, uint16_t vlan, uint32_t vni, uint32_t vtep);
    // Moves the mappings from `from` to `to`, with their remote MACs.
    void apply_mappings(const OverlayConfig& from, const OverlayConfig& to);
    void want_next_hops();
    void answer_vtep_arp(const ArpMessage& a);
    void take_guest_arp(const GuestArp& a);
    nlohmann::json drops() const;
    // The local port `mac` is learned on in `vlan`, "" if none.
    std::string local_port_of(Mac mac, uint16_t vlan) const;
    // Tries again the remote MACs refused as pinned (a pin that went lets them in).
    void retry_refused();

    const SwitchServices sw_;
    OverlayConfig overlay_;  // VLAN -> VNI (persisted)
    OverlayRemote remote_;   // the control plane's remote VTEPs and MACs
    VtepIndex vteps_;        // remote VTEPs named by remote_
    std::map<uint32_t, std::unique_ptr<VtepCounters>> counters_;  // theirs, by IP
    uint64_t vtep_arp_answered_ = 0;  // ARP requests for the VTEP address answered
    struct GuestIp {
        uint32_t ip = 0;
        uint16_t slot = 0;  // the port the ARP came in on
        uint32_t seen = 0;  // clock_seconds() of the last sighting
    };
    static constexpr uint32_t kGuestIpMemory = 600;  // seconds: longer than an FDB entry lives
    static constexpr size_t kMaxGuestIps = 65536;
    std::map<std::pair<uint16_t, Mac>, GuestIp> guest_ips_;  // (VLAN, MAC) -> last ARP's IP
    OverlayIncidents incidents_;  // pinned MACs refused, vsw-evpn's conflicts and duplicates
};

}  // namespace vsw
