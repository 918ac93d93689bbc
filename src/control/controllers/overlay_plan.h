// What the control thread computes for the VXLAN overlay, as pure functions unit-tested the way
// src/evpn/evpn_state is: the OverlayTable the workers get, and the program that takes the
// remote VTEPs and MACs from what the control plane said before to what it says now (new VTEP
// indices, FDB entries to remove and to set, VTEPs to retire).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mac.h"
#include "overlay/overlay_config.h"
#include "src/datapath/overlay_table.h"

namespace vsw {

constexpr unsigned kMaxRemoteVteps = 4096;  // remote VTEPs one switch sends to
constexpr uint8_t kVxlanTtl = 64;

// The remote VTEPs the switch knows: IP -> index (in OverlayTable::vteps and FDB entries).
using VtepIndex = std::map<uint32_t, uint16_t>;

// The VLAN mapped to `vni`, or 0.
uint16_t vlan_of(const OverlayConfig& c, uint32_t vni);

struct OverlayTableInputs {
    uint16_t uplink = 0;                                 // the VTEP port's slot
    VtepAddress vtep;                                    // its address, prefix and gateway
    Mac source_mac = 0;                                  // what VXLAN frames leave it with
    std::function<Mac(uint32_t ip)> neighbor_mac;        // 0 = not resolved yet
    std::function<VtepCounters*(uint32_t ip)> counters;  // a remote VTEP's (they outlive tables)
};

std::unique_ptr<OverlayTable> plan_overlay_table(const OverlayConfig& overlay,
                                                 const OverlayRemote& remote,
                                                 const VtepIndex& vteps,
                                                 const OverlayTableInputs& in);

struct RemoteProgram {
    VtepIndex added;                                   // VTEPs not known before: the lowest free
    std::vector<uint32_t> retired;                     // VTEPs nobody names any more
    std::vector<std::pair<Mac, uint16_t>> fdb_remove;  // (MAC, VLAN) no longer remote
    struct Entry {
        Mac mac = 0;
        uint16_t vlan = 0;
        uint32_t vni = 0;
        uint32_t vtep = 0;  // its IP
    };
    std::vector<Entry> fdb_set;  // new or moved remote MACs (in mapped VLANs)
};

// The program from `old` to `next`, or why `next` cannot be taken ("" = fine): more VTEPs than
// kMaxRemoteVteps, more MACs than the FDB holds (`fdb_max`), or the local VTEP `local_ip` named
// as a remote one.
std::string plan_remote(const OverlayRemote& old, const OverlayRemote& next,
                        const OverlayConfig& overlay, const VtepIndex& vteps, uint32_t local_ip,
                        size_t fdb_max, RemoteProgram& out);

}  // namespace vsw
