// Port security as the workers see it: each port's MAC limit, storm control and guest policy,
// built by the
// port security controller and published with the snapshot, never changed while published.
#pragma once

#include <cstdint>

#include "core/limits.h"
#include "security/guest_policy.h"
#include "security/storm_control.h"

namespace vsw {

struct SecurityTable {
    uint32_t mac_limit[kMaxPorts] = {};  // learned MACs a port may have; 0 = no limit
    StormPolicy storm[kMaxPorts] = {};   // by slot
    GuestPolicy guest[kMaxPorts] = {};   // by slot: what its guest may send (port-security=on)
};

}  // namespace vsw
