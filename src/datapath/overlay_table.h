// The VXLAN overlay as the workers see it: the VTEP port, which VLAN rides which VNI, the remote
// VTEPs with their outer-header templates, and each VNI's flood list (head-end replication) and
// accepted senders. Built by the control thread, published with the snapshot, never changed
// while published. Remote MACs are FDB entries (fdb.h) that name a VTEP by its index here.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/limits.h"
#include "core/vlan.h"
#include "overlay/vxlan.h"
#include "telemetry/per_worker.h"
#include "telemetry/port_counters.h"

namespace vsw {

// One remote VTEP's counters; owned by the Switch (they outlive snapshots), one block per worker.
struct VtepCounters {
    struct alignas(64) Block {
        telemetry::Counter encap_packets;  // frames encapsulated to it
        telemetry::Counter encap_bytes;    // their bytes, outer headers included
        telemetry::Counter decap_packets;  // frames from it decapsulated
        telemetry::Counter decap_bytes;    // their bytes as received (outer headers included)
        telemetry::Counter unresolved;     // frames for it dropped: next hop MAC not known yet
    };
    telemetry::PerWorker<Block> w;  // one block per worker
};

struct RemoteVtep {
    uint32_t ip = 0;                      // its address (host byte order); 0: unused index
    bool resolved = false;                // header[] carries the next hop's MAC
    uint8_t header[kVxlanOuterLen] = {};  // write_vxlan_template() for it
    VtepCounters* counters = nullptr;     // owned by the Switch
};

struct OverlaySegment {
    uint16_t vlan = 0;              // the switch's VLAN
    uint32_t vni = 0;               // the overlay's
    std::vector<uint16_t> flood;    // remote VTEPs (indices) that get its broadcast and unknowns
    std::vector<uint32_t> senders;  // sorted IPs of the VTEPs whose VXLAN it takes
};

struct OverlayTable {
    uint16_t uplink = 0;                                // slot of the VTEP port (the underlay)
    uint32_t local_ip = 0;                              // the local VTEP address
    uint16_t segment_of_vlan[kMaxVlan + 1] = {};        // index + 1 into segments; 0: not mapped
    std::vector<OverlaySegment> segments;               // one per mapped VLAN
    std::vector<std::pair<uint32_t, uint16_t>> by_vni;  // (VNI, segment index), sorted
    std::vector<std::pair<uint32_t, uint16_t>> by_ip;   // (VTEP IP, VTEP index), sorted
    std::vector<RemoteVtep> vteps;                      // by index

    const OverlaySegment* segment_for_vlan(uint16_t vlan) const {
        const uint16_t i = segment_of_vlan[vlan & kMaxVlan];
        return i ? &segments[i - 1] : nullptr;
    }
    const OverlaySegment* segment_for_vni(uint32_t vni) const {
        auto it = std::lower_bound(by_vni.begin(), by_vni.end(), std::make_pair(vni, uint16_t{0}));
        return it != by_vni.end() && it->first == vni ? &segments[it->second] : nullptr;
    }
    // Index of the VTEP at `ip`, or -1.
    int vtep_index(uint32_t ip) const {
        auto it = std::lower_bound(by_ip.begin(), by_ip.end(), std::make_pair(ip, uint16_t{0}));
        return it != by_ip.end() && it->first == ip ? it->second : -1;
    }
    static bool accepts(const OverlaySegment& s, uint32_t ip) {
        return std::binary_search(s.senders.begin(), s.senders.end(), ip);
    }
};

}  // namespace vsw
