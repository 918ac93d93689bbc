// The registered per-port setting groups (port_settings.h).
#include "src/config/port_settings.h"

#include <algorithm>

#include "core/ipv4.h"

namespace vsw {

namespace {

bool is_one_of(const std::string& key, std::initializer_list<const char*> keys) {
    return std::any_of(keys.begin(), keys.end(), [&](const char* k) { return key == k; });
}

bool never(const std::string&) {
    return false;
}

// Bandwidth (qos/bandwidth.h): vhost-user ports only.
const PortSettingGroup kBandwidth = {
    .keys = "tx-rate, tx-burst, tx-peak, rx-rate, rx-burst, rx-limit, rx-mode",
    .owns = is_bandwidth_setting,
    .apply = [](PortConfig& p, const std::string& k,
                const std::string& v) { return apply_bandwidth_setting(p.bandwidth, k, v); },
    .settings = [](const PortConfig& p) -> Settings { return bandwidth_settings(p.bandwidth); },
    .validate =
        [](const PortConfig& p) {
            if (p.type == PortType::kBond && p.bandwidth != PortBandwidth{})
                return std::string("tx-rate and rx-rate apply to vhost-user ports, not bonds");
            return validate_bandwidth(p.bandwidth);
        },
    .numeric =
        [](const std::string& k) {
            return is_one_of(k, {"tx-rate", "tx-burst", "tx-peak", "rx-rate", "rx-burst"});
        },
};

// The VXLAN underlay's address (overlay/overlay_config.h): dpdk ports only.
const PortSettingGroup kVtep = {
    .keys = "vtep-ip, vtep-gateway",
    .owns = is_vtep_setting,
    .apply = [](PortConfig& p, const std::string& k,
                const std::string& v) { return apply_vtep_setting(p.vtep, k, v); },
    .settings = [](const PortConfig& p) -> Settings {
        const VtepAddress& v = p.vtep;
        return {{"vtep-ip",
                 v.enabled() ? format_ipv4(v.ip) + "/" + std::to_string(v.prefix_len) : "none"},
                {"vtep-gateway", v.gateway ? format_ipv4(v.gateway) : "none"}};
    },
    .validate = [](const PortConfig& p) -> std::string {
        if (p.vtep.enabled() && p.type != PortType::kDpdk)
            return "vtep-ip applies to dpdk ports (the VXLAN underlay), not " +
                   std::string(port_type_name(p.type)) + " ones";
        if (p.vtep.gateway && !p.vtep.enabled()) return "vtep-gateway needs vtep-ip";
        if (p.vtep.gateway && !same_subnet(p.vtep.gateway, p.vtep.ip, p.vtep.prefix_len))
            return "vtep-gateway " + format_ipv4(p.vtep.gateway) + " is not on the VTEP's subnet " +
                   format_vtep(p.vtep);
        return "";
    },
    .numeric = never,
    .reapplied = false,  // never a guest's
};

// Isolation (security/port_security_config.h).
const PortSettingGroup kSecurity = {
    .keys =
        "mac-limit, flood-rate, flood-burst, port-security, allowed-macs, allowed-ips, "
        "allowed-ethertypes, trusted",
    .owns = is_security_setting,
    .apply = [](PortConfig& p, const std::string& k,
                const std::string& v) { return apply_security_setting(p.security, k, v); },
    .settings = [](const PortConfig& p) -> Settings { return security_settings(p.security); },
    .validate = [](const PortConfig& p) { return validate_security(p.security); },
    .numeric =
        [](const std::string& k) {
            return is_one_of(k, {"mac-limit", "flood-rate", "flood-burst"});
        },
};

// Bonds (bond/bond_config.h): bond ports only.
const PortSettingGroup kBond = {
    .keys = "members, bond-mode, lacp, lacp-time, lacp-fallback",
    .owns = is_bond_setting,
    .apply = [](PortConfig& p, const std::string& k,
                const std::string& v) { return apply_bond_setting(p.bond, k, v); },
    .settings = [](const PortConfig& p) -> Settings {
        if (p.type != PortType::kBond) return {};
        return bond_settings(p.bond);
    },
    .validate = [](const PortConfig& p) -> std::string {
        if (p.type == PortType::kBond) return validate_bond(p.bond);
        if (p.bond != BondConfig{})
            return "members, bond-mode, lacp, lacp-time and lacp-fallback apply to --type bond";
        return "";
    },
    .numeric = never,
};

// A CFM MEP (cfm/cfm_settings.h): any port (a bond's member too), but not a bond itself.
const PortSettingGroup kCfm = {
    .keys = "cfm-mpid, cfm-interval, cfm-level, cfm-maid, cfm-vlan",
    .owns = is_cfm_setting,
    .apply = [](PortConfig& p, const std::string& k,
                const std::string& v) { return apply_cfm_setting(p.cfm, k, v); },
    .settings = [](const PortConfig& p) -> Settings { return cfm_settings(p.cfm); },
    .validate = [](const PortConfig& p) -> std::string {
        if (p.type == PortType::kBond && p.cfm.enabled())
            return "cfm-mpid applies to a bond's members (each link has its own MEP), not "
                   "to the bond";
        return validate_cfm(p.cfm);
    },
    .numeric = never,
};

// Security groups (acl/acl_port_settings.h): a guest's, a dpdk port's or a bond's, never the
// VTEP port's (its VXLAN is the switch's own traffic). Whether the groups exist is the ACL
// controller's check.
const PortSettingGroup kAcl = {
    .keys = "security-groups",
    .owns = is_acl_setting,
    .apply = [](PortConfig& p, const std::string& k,
                const std::string& v) { return apply_acl_setting(p.acl, k, v); },
    .settings = [](const PortConfig& p) -> Settings { return acl_settings(p.acl); },
    .validate = [](const PortConfig& p) -> std::string {
        if (p.acl.enabled() && p.vtep.enabled())
            return "security-groups apply to switching ports, not the VTEP port (vtep-ip)";
        return validate_acl(p.acl);
    },
    .numeric = never,
};

const PortSettingGroup kGroups[] = {kBandwidth, kVtep, kSecurity, kBond, kCfm, kAcl};

}  // namespace

std::span<const PortSettingGroup> port_setting_groups() {
    return kGroups;
}

bool is_default_setting(const PortConfig& p, const PortSettingGroup& g, const std::string& key,
                        const std::string& value) {
    if (value.empty() || value == "none" || value == "off" || value == "default") return true;
    PortConfig plain;
    plain.type = p.type;
    for (const auto& [k, v] : g.settings(plain))
        if (k == key) return v == value;
    return false;
}

}  // namespace vsw
