// A bond port's settings as the operator sets them (`add-port bond0 --type bond members=up0,up1
// bond-mode=balance-tcp lacp=active lacp-time=fast lacp-fallback=on`), persisted with its config.
// Pure: no DPDK. Which ports the members are, and whether they may be, is the bond controller's
// check (src/control/controllers/bond_controller.h).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lacp/lacp_settings.h"

namespace vsw {

// How a bond spreads what it sends over its distributing members.
enum class BondMode : uint8_t {
    kActiveBackup,  // one member carries everything; the others wait
    kBalanceSlb,    // by source MAC and VLAN; the partner needs no LACP (a plain switch)
    kBalanceTcp,    // by L3/L4 addresses and ports; the partner must aggregate (LACP, or static)
};

const char* bond_mode_name(BondMode m);
const char* lacp_mode_name(lacp::LacpMode m);
const char* lacp_time_name(lacp::LacpTime t);

struct BondConfig {
    std::vector<std::string> members{};  // port names (dpdk ports), in the order given
    BondMode mode = BondMode::kActiveBackup;
    lacp::LacpMode lacp = lacp::LacpMode::kOff;  // off: a static bond (carrier decides)
    lacp::LacpTime lacp_time = lacp::LacpTime::kSlow;
    bool fallback = false;  // lacp-fallback=on: active-backup while no partner speaks LACP

    bool operator==(const BondConfig&) const = default;
};

constexpr unsigned kMaxBondMembersConfigured = 8;

// The keys apply_bond_setting takes: members, bond-mode, lacp, lacp-time, lacp-fallback.
bool is_bond_setting(const std::string& key);
// Applies one. "" or the error.
std::string apply_bond_setting(BondConfig& b, const std::string& key, const std::string& value);
// Checks a bond port's combination (members given, none twice). "" or the error.
std::string validate_bond(const BondConfig& b);
// The settings that reproduce `b` on a bond port.
std::vector<std::pair<std::string, std::string>> bond_settings(const BondConfig& b);

}  // namespace vsw
