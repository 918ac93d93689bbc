// What the overlay's control plane (vsw-evpn) tells vswd about the MACs it does not follow, so
// that `vswctl vxlan show` and the metrics show them without asking the agent:
//
//  * conflicts: a MAC pinned here (port security) that another VTEP advertises too, or a MAC
//    learned here that another VTEP advertises as static (sticky, RFC 7432 section 15.2);
//  * duplicates: MACs that moved too often and are frozen where they were (RFC 7432 section
//    15.1, FRR's dup-addr-detection freeze).
//
// It rides in the vxlan-sync request ("report"), replaced as a whole like the remote state. The
// other way, an operator's `vxlan clear-duplicates` reaches the agent as DuplicateClears in
// vxlan-show: a generation number the agent follows (see src/evpn/duplicate_clears.h).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "core/mac.h"

namespace vsw {

struct MacConflict {
    uint32_t vni = 0;
    Mac mac = 0;
    uint32_t vtep = 0;           // the other VTEP advertising it
    uint32_t seq = 0;            // its MAC mobility sequence number
    bool remote_static = false;  // its route is sticky (false: the MAC is pinned here)
    bool operator==(const MacConflict&) const = default;
};

struct DuplicateMac {
    uint32_t vni = 0;
    Mac mac = 0;
    uint32_t vtep = 0;    // where it is frozen: a remote VTEP, 0 = here
    uint32_t moves = 0;   // moves counted when it was frozen
    uint32_t hold_s = 0;  // how long it stays frozen, 0: until cleared
    bool operator==(const DuplicateMac&) const = default;
};

struct OverlayReport {
    std::vector<MacConflict> conflicts;
    std::vector<DuplicateMac> duplicates;
    bool operator==(const OverlayReport&) const = default;
};

// {"conflicts": [{"vni", "mac", "vtep", "seq", "remote_static"}], "duplicates": [{"vni", "mac",
// "vtep" ("local" for 0), "moves", "hold_s"}]}; from_json throws std::invalid_argument.
nlohmann::json to_json(const OverlayReport& r);
OverlayReport overlay_report_from_json(const nlohmann::json& j);

// An operator's request to unfreeze duplicates: one (VNI, MAC), or all (vni 0).
struct DuplicateClear {
    uint64_t generation = 0;  // its number, one more than the request before it
    uint32_t vni = 0;         // 0: every duplicate
    Mac mac = 0;
    bool operator==(const DuplicateClear&) const = default;
};

// vswd's latest clear requests. `epoch` changes when vswd starts (its numbering restarts);
// `requests` keeps the last kKept, oldest first.
struct DuplicateClears {
    static constexpr size_t kKept = 32;
    uint64_t epoch = 0;
    uint64_t generation = 0;  // the newest request's (0: none yet)
    std::vector<DuplicateClear> requests;

    void add(uint32_t vni, Mac mac);
    bool operator==(const DuplicateClears&) const = default;
};

nlohmann::json to_json(const DuplicateClears& c);
DuplicateClears duplicate_clears_from_json(const nlohmann::json& j);

}  // namespace vsw
