// The VXLAN overlay as the operator configures it: the underlay port's VTEP address (a port
// setting: vtep-ip=, vtep-gateway=) and which VLAN rides which VNI (a switch setting). Both are
// persisted in the state file. Where remote MACs are and which VTEPs share a VNI is the
// control plane's (vsw-evpn's) knowledge, not configuration: it is programmed at runtime and
// resynced by the agent on every connect.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/mac.h"

namespace vsw {

// A port's VTEP address: the port with one is the underlay, owned by vswd.
struct VtepAddress {
    uint32_t ip = 0;          // the local VTEP (host byte order); 0: the port is no VTEP
    uint8_t prefix_len = 32;  // remote VTEPs inside ip/prefix_len are on-link (ARP for them)
    uint32_t gateway = 0;     // the next hop for the others; 0: none (those are unreachable)

    bool enabled() const { return ip != 0; }
    // Whom ARP asks for the MAC that frames to `remote` go to; 0 if no route.
    uint32_t next_hop(uint32_t remote) const;
    bool operator==(const VtepAddress&) const = default;
};

bool is_vtep_setting(const std::string& key);  // vtep-ip, vtep-gateway
// vtep-ip=A[/N]|none  vtep-gateway=A|none. Returns "" or the error.
std::string apply_vtep_setting(VtepAddress& v, const std::string& key, const std::string& value);
// "10.0.0.1/24 via 10.0.0.254", "" when no VTEP.
std::string format_vtep(const VtepAddress& v);

struct OverlayConfig {
    std::map<uint16_t, uint32_t> vni_of_vlan;  // VLAN (1-4094) -> VNI (1-16777215), one to one

    bool operator==(const OverlayConfig&) const = default;
};

// Checks mapping `vlan` to `vni` against the mappings there are ("" or the error): both in
// range, the VNI not used by another VLAN.
std::string validate_vlan_vni(const OverlayConfig& c, uint16_t vlan, uint32_t vni);

// What the control plane knows of remote VTEPs (vsw-evpn from EVPN routes, or an operator by
// hand): not persisted, resynced by the agent.
struct OverlayRemote {
    std::map<uint32_t, std::set<uint32_t>> flood;       // VNI -> remote VTEP IPs (type-3 routes)
    std::map<std::pair<uint32_t, Mac>, uint32_t> macs;  // (VNI, MAC) -> VTEP IP (type-2 routes)

    bool operator==(const OverlayRemote&) const = default;
};

enum class RemoteOp { kAdd, kDelete, kReplace };

// Checks the entries' ranges ("" or the error): VNIs 1..16777215, unicast VTEP IPs, unicast
// MACs.
std::string validate_overlay_remote(const OverlayRemote& r);

// {"flood": {"10010": ["10.0.0.2", ...]}, "macs": [{"vni": 10010, "mac": "02:..", "vtep":
// "10.0.0.2"}]}; either part may be missing. from_json throws std::invalid_argument.
nlohmann::json to_json(const OverlayRemote& r);
OverlayRemote overlay_remote_from_json(const nlohmann::json& j);

// Readers of the overlay's JSON fields (shared with overlay_report.h): a unicast IPv4 address, a
// VNI (number or string, 1-16777215) or throw std::invalid_argument naming `what`; a unicast MAC
// or nullopt.
bool unicast_ipv4(uint32_t ip);
uint32_t ip_from_json(const nlohmann::json& j, const std::string& what);
uint32_t vni_from_json(const nlohmann::json& j, const std::string& what);
std::optional<Mac> unicast_mac_from_json(const nlohmann::json& j);

// {"10": 10010, ...}; from_json throws std::invalid_argument with the bad entry named.
nlohmann::json to_json(const OverlayConfig& c);
OverlayConfig overlay_config_from_json(const nlohmann::json& j);

}  // namespace vsw
