// The MACs the overlay does not follow, as vswd shows them (vxlan show, metrics):
//
//  * remote MACs vswd itself refused because they are pinned to a local port (port security):
//    known from the FDB's answer, so visible with any control plane, or none;
//  * the conflicts and frozen duplicates vsw-evpn reports in its vxlan-sync requests
//    (overlay_report.h);
//  * the operator's duplicate clear requests, which vsw-evpn reads from vxlan show.
//
// Control thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "overlay/overlay_config.h"
#include "overlay/overlay_report.h"
#include "src/control/controllers/overlay_plan.h"

namespace vsw {

class OverlayIncidents {
  public:
    using Key = std::pair<uint32_t, Mac>;  // (VNI, MAC)
    explicit OverlayIncidents(uint64_t epoch) { clears_.epoch = epoch; }

    // vswd kept `key` local against the control plane naming VTEP `vtep`: true the first time
    // (to log it once).
    bool refused(const Key& key, uint32_t vtep);
    void programmed(const Key& key) { refused_.erase(key); }  // taken after all (its pin went)
    // Forgets refusals the control plane no longer asks for.
    void keep_only(const OverlayRemote& remote);
    const std::map<Key, uint32_t>& refused_macs() const { return refused_; }

    void set_report(const OverlayReport& r, uint32_t now);
    // A clear of one duplicate (vni != 0) or all, for vsw-evpn: "" or why not.
    std::string clear_duplicates(uint32_t vni, Mac mac);

    // {"conflicts": [...], "duplicates": [...], "duplicate_clears": {...}, "pinned_refused": N,
    // "report_age_s": N|null}. `port_of`: the local port a MAC is learned on in a VLAN.
    nlohmann::json view(const OverlayConfig& overlay,
                        const std::function<std::string(Mac, uint16_t)>& port_of,
                        uint32_t now) const;
    // Per VNI: {"conflicts": N, "duplicates": N}.
    nlohmann::json counts(uint32_t vni) const;

  private:
    std::map<Key, uint32_t> refused_;       // -> the VTEP the control plane named
    uint64_t refused_total_ = 0;            // refusals, counted once per (VNI, MAC, VTEP)
    OverlayReport report_;                  // vsw-evpn's last
    std::map<Key, uint32_t> frozen_since_;  // its duplicates -> when vswd first saw them
    uint32_t report_time_ = 0;              // clock_seconds() of the last report
    bool reported_ = false;
    DuplicateClears clears_;
};

}  // namespace vsw
