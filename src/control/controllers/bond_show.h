// `vswctl bond show`: a bond as the operator reads it, as OVS's `lacp/show` and `bond/show`
// together: the bond's mode and LACP settings and status, the actor's system and key, and per
// member its carrier, whether it distributes, its machines' states, the actor's and partner's
// port information with their state bits, its LACPDU counters and the hash buckets it carries.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bond/bond_config.h"
#include "bond/bond_view.h"
#include "lacp/lacp_bond.h"

namespace vsw {

// What the controller knows of one bond beyond its LACP machines.
struct BondShowInput {
    std::string name;
    const BondConfig& config;
    const lacp::LacpBond& lacp;
    const std::array<uint8_t, kBondBuckets>& buckets;  // bucket -> member index
    int8_t active = -1;                                // the active member, or -1
};

nlohmann::json bond_show(const BondShowInput& in);

// "activity,timeout,aggregation,synchronization,collecting,distributing": the state bits as
// `ovs-appctl lacp/show` names them ("" for none).
std::string lacp_state_names(uint8_t state);

// "0-63,128-191": the buckets carried by `member`.
std::string bucket_ranges(const std::array<uint8_t, kBondBuckets>& buckets, uint32_t distributing,
                          unsigned member);

}  // namespace vsw
