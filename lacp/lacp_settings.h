// A bond's LACP settings as the machines take them (lacp=active|passive|off,
// lacp-time=fast|slow, lacp-fallback), and the times of 802.1AX-2008 (5.4.4). Reading them from
// vswctl and the state file is the bond port's job (next step of issue 28).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/mac.h"

namespace vsw::lacp {

enum class LacpMode : uint8_t {
    kActive,   // sends LACPDUs on its own
    kPassive,  // answers an active partner only: two passive ends never negotiate
    kOff,      // no LACP: a member takes traffic while its carrier is up
};

enum class LacpTime : uint8_t {
    kFast,  // asks the partner for a PDU every second, times it out after 3 s
    kSlow,  // every 30 s, times out after 90 s (the standard's and OVS's default)
};

constexpr uint64_t kFastPeriodicMs = 1000;     // Fast_Periodic_Time
constexpr uint64_t kSlowPeriodicMs = 30000;    // Slow_Periodic_Time
constexpr uint64_t kShortTimeoutMs = 3000;     // Short_Timeout_Time: 3 fast periods
constexpr uint64_t kLongTimeoutMs = 90000;     // Long_Timeout_Time: 3 slow periods
constexpr uint64_t kAggregateWaitMs = 2000;    // Aggregate_Wait_Time: members that come up together
                                               // attach together
constexpr unsigned kMaxPdusPerFastPeriod = 3;  // the transmit machine's limit

// What every member of a bond says of its system.
struct LacpActor {
    LacpMode mode = LacpMode::kActive;
    LacpTime time = LacpTime::kSlow;
    uint16_t system_priority = 32768;  // lower wins: that system's port order picks the links
    Mac system = 0;                    // the bond's MAC: must be a unicast, non-zero address
    uint16_t key = 0;                  // the operational key; 0: the first member's port number
};

struct LacpMemberConfig {
    std::string name;                // for events and views
    uint16_t port = 0;               // the port number, unique in the bond, not 0
    uint16_t port_priority = 32768;  // lower wins
    Mac mac = 0;                     // the member's own MAC, the source of its LACPDUs
};

struct LacpBondSettings {
    LacpActor actor;
    // lacp-fallback=on (OVS's lacp-fallback-ab): while no member hears a LACPDU, the bond works
    // as active-backup instead of taking no traffic.
    bool fallback = false;
    std::vector<LacpMemberConfig> members;
};

}  // namespace vsw::lacp
