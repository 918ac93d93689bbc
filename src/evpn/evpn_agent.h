// vsw-evpn's loop: every round it reads vswd (vxlan show, fdb show), takes the RIB's events,
// decides (evpn_state.h), originates and withdraws the difference in gobgpd, and programs
// vswd's remote state when it changed. Both links reconnect on their own; each (re)connect
// resyncs everything: gobgpd's table is watched again from its start, vswd gets the whole
// remote state (vxlan-sync replaces, so nothing stale survives). vswd only ever sees control
// requests: the agent never blocks it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "src/evpn/duplicate_clears.h"
#include "src/evpn/evpn_state.h"
#include "src/evpn/gobgp_client.h"

namespace vsw::evpn {

struct AgentOptions {
    std::string vswd_ctl = "/run/vsw/vswd.ctl";  // vswd's control socket
    std::string gobgp = "127.0.0.1:50051";       // gobgpd's gRPC API
    unsigned interval_ms = 100;                  // one round (the MAC learning delay it adds)
    DuplicateOptions duplicates;                 // duplicate MAC detection
};

class Agent {
  public:
    explicit Agent(AgentOptions o) : opts_(std::move(o)), state_(opts_.duplicates) {}
    // Runs rounds until `stop` becomes true.
    void run(const std::atomic<bool>& stop);
    // One round (public for the tests' sake: they drive it step by step).
    void round();

  private:
    bool connect_gobgp();
    void take_rib_events();
    void originate(const std::map<std::string, apipb::Path>& want);
    void program_vswd(const OverlayRemote& remote, const OverlayReport& report);
    void take_clears(const nlohmann::json& vxlan_show);
    void log_report(const OverlayReport& now);
    void log_change(const char* what, const std::string& detail);

    AgentOptions opts_;
    std::unique_ptr<GobgpClient> bgp_;  // null: not connected
    uint32_t asn_ = 0;                  // gobgpd's
    EvpnState state_;
    std::map<std::string, apipb::Path> originated_;  // NLRI key -> the path gobgpd holds
    OverlayRemote programmed_;                       // what vswd was given last
    OverlayReport reported_;                         // and the report with it
    OverlayReport logged_;                           // conflicts and duplicates logged so far
    ClearFollower clears_;                           // vswd's duplicate clear requests
    bool vswd_synced_ = false;                       // false: give vswd everything next round
    std::string last_error_;                         // logged once, not every round
};

}  // namespace vsw::evpn
