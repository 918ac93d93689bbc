// Port security as the workers see it: each port's MAC limit, storm control and guest policy,
// built by the port security controller and published with the snapshot, never changed while
// published.
#pragma once

#include <cstdint>
#include <deque>

#include "core/limits.h"
#include "security/guest_policy.h"
#include "security/storm_control.h"

namespace vsw {

struct SecurityTable {
    uint32_t mac_limit[kMaxPorts] = {};  // learned MACs a port may have; 0 = no limit
    StormPolicy storm[kMaxPorts] = {};   // by slot
    // By slot: what its guest may send (port-security=on), null when not checked. The policies
    // (about 1 KB each) are only those of the ports that have one.
    const GuestPolicy* guest[kMaxPorts] = {};
    // A port learns its guest's addresses from DHCP (allowed-ips=dhcp): every port's DHCP
    // goes up the slow path too (the server's ACK comes in on another port).
    bool snoop_dhcp = false;

    SecurityTable() = default;
    SecurityTable(const SecurityTable&) = delete;  // `guest` points into `policies`
    SecurityTable& operator=(const SecurityTable&) = delete;

    void set_guest_policy(uint16_t slot, const GuestPolicy& p) {
        guest[slot] = &policies.emplace_back(p);
    }

  private:
    std::deque<GuestPolicy> policies;  // a deque: adding one moves no other
};

}  // namespace vsw
