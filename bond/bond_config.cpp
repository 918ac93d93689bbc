// A bond port's settings (bond_config.h).
#include "bond/bond_config.h"

#include <algorithm>

#include "core/parse.h"

namespace vsw {

const char* bond_mode_name(BondMode m) {
    switch (m) {
        case BondMode::kActiveBackup: return "active-backup";
        case BondMode::kBalanceSlb: return "balance-slb";
        case BondMode::kBalanceTcp: return "balance-tcp";
    }
    return "?";
}

const char* lacp_mode_name(lacp::LacpMode m) {
    switch (m) {
        case lacp::LacpMode::kActive: return "active";
        case lacp::LacpMode::kPassive: return "passive";
        case lacp::LacpMode::kOff: return "off";
    }
    return "?";
}

const char* lacp_time_name(lacp::LacpTime t) {
    return t == lacp::LacpTime::kFast ? "fast" : "slow";
}

bool is_bond_setting(const std::string& key) {
    return key == "members" || key == "bond-mode" || key == "lacp" || key == "lacp-time" ||
           key == "lacp-fallback";
}

std::string apply_bond_setting(BondConfig& b, const std::string& key, const std::string& value) {
    if (key == "members") {
        std::vector<std::string> names = split_list(value);
        for (const std::string& n : names)
            if (auto e = validate_port_name(n); !e.empty()) return "members: " + e;
        b.members = std::move(names);
        return "";
    }
    if (key == "bond-mode") {
        for (BondMode m : {BondMode::kActiveBackup, BondMode::kBalanceSlb, BondMode::kBalanceTcp})
            if (value == bond_mode_name(m)) {
                b.mode = m;
                return "";
            }
        return "bond-mode must be active-backup, balance-slb or balance-tcp, not '" + value + "'";
    }
    if (key == "lacp") {
        for (lacp::LacpMode m :
             {lacp::LacpMode::kActive, lacp::LacpMode::kPassive, lacp::LacpMode::kOff})
            if (value == lacp_mode_name(m)) {
                b.lacp = m;
                return "";
            }
        return "lacp must be active, passive or off, not '" + value + "'";
    }
    if (key == "lacp-time") {
        if (value == "fast") b.lacp_time = lacp::LacpTime::kFast;
        else if (value == "slow") b.lacp_time = lacp::LacpTime::kSlow;
        else return "lacp-time must be fast or slow, not '" + value + "'";
        return "";
    }
    if (key == "lacp-fallback")
        return set_either(b.fallback, value, "on", "off", "lacp-fallback must be 'on' or 'off'");
    return "unknown bond setting '" + key + "'";
}

std::string validate_bond(const BondConfig& b) {
    if (b.members.empty()) return "a bond port needs members=PORT,PORT (its dpdk ports)";
    if (b.members.size() > kMaxBondMembersConfigured)
        return "a bond takes at most " + std::to_string(kMaxBondMembersConfigured) + " members";
    for (size_t i = 0; i < b.members.size(); ++i)
        if (std::find(b.members.begin() + static_cast<long>(i) + 1, b.members.end(),
                      b.members[i]) != b.members.end())
            return "members: '" + b.members[i] + "' is named twice";
    if (b.fallback && b.lacp == lacp::LacpMode::kOff)
        return "lacp-fallback applies with lacp=active or passive (lacp=off is a static bond)";
    return "";
}

std::vector<std::pair<std::string, std::string>> bond_settings(const BondConfig& b) {
    return {{"members", join_list(b.members)},
            {"bond-mode", bond_mode_name(b.mode)},
            {"lacp", lacp_mode_name(b.lacp)},
            {"lacp-time", lacp_time_name(b.lacp_time)},
            {"lacp-fallback", b.fallback ? "on" : "off"}};
}

}  // namespace vsw
