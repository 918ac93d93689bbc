// A port's CFM settings as the operator sets them (`cfm-mpid=1 cfm-interval=100 cfm-level=0
// cfm-maid=ovs/ovs cfm-vlan=none`), persisted with its config, and what the port's MEP
// (cfm_mep.h) is built from. Pure: no DPDK.
//
//   cfm-mpid      none, or the MEP ID 1-8191; none (the default) turns CFM off on the port
//   cfm-interval  ms between CCMs: 3.3, 10, 100, 1000 (default), 10000, 60000 or 600000
//                 (OVS's cfm_interval rounds to the same codes; "3" means 3.3)
//   cfm-level     the MD level 0-7 (default 0, the only level OVS speaks)
//   cfm-maid      MD/MA, MA or 0xHEX (cfm/maid.h); default ovs/ovs, OVS's MAID
//   cfm-vlan      none (default: untagged CCMs), or the VLAN id 1-4094 CCMs are tagged with
//
// With cfm-mpid=none the other four must keep their defaults: the state file then carries no
// cfm-* setting at all, and nothing is silently lost.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cfm/ccm.h"
#include "cfm/maid.h"

namespace vsw {

struct CfmConfig {
    uint16_t mpid = 0;                                  // 1-8191; 0: none, CFM off
    cfm::CcmInterval interval = cfm::CcmInterval::k1s;  // how often CCMs go out
    uint8_t level = 0;                                  // MD level 0-7
    cfm::Maid maid = cfm::ovs_maid();                   // the maintenance association
    uint16_t vlan = 0;                                  // tag of the CCMs sent; 0: untagged

    bool enabled() const { return mpid != 0; }
    bool operator==(const CfmConfig&) const = default;
};

// The keys apply_cfm_setting takes: cfm-mpid, cfm-interval, cfm-level, cfm-maid, cfm-vlan.
bool is_cfm_setting(const std::string& key);
// Applies one. "" or the error (`c` untouched then).
std::string apply_cfm_setting(CfmConfig& c, const std::string& key, const std::string& value);
// Checks the combination (the others at their defaults while cfm-mpid is none). "" or the error.
std::string validate_cfm(const CfmConfig& c);
// The settings that reproduce `c`: none while CFM is off, all five while it is on.
std::vector<std::pair<std::string, std::string>> cfm_settings(const CfmConfig& c);

}  // namespace vsw
