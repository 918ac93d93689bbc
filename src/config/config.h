// What an operator configures: ports and switch-wide settings. These are the values persisted in
// the state file and carried by control requests; runtime state lives in Port and Switch.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "acl/acl_port_settings.h"
#include "bond/bond_config.h"
#include "cfm/cfm_settings.h"
#include "core/parse.h"
#include "core/vlan.h"
#include "overlay/overlay_config.h"
#include "qos/bandwidth.h"
#include "security/port_security_config.h"
#include "telemetry/ipfix/ipfix_config.h"
#include "telemetry/mirror/mirror_config.h"

namespace vsw {

enum class PortType {
    kVhostUserClient,  // vswd connects to a socket QEMU listens on (QEMU is the server)
    kVhostUserServer,  // vswd listens, QEMU connects
    kDpdk,             // a DPDK ethdev from devargs (PCI address, net_tap, net_af_packet, ...)
    kBond,             // dpdk ports bundled into one (bond/bond_config.h), with or without LACP
};

const char* port_type_name(PortType t);
std::optional<PortType> port_type_from_name(const std::string& s);
inline bool is_vhost(PortType t) {
    return t == PortType::kVhostUserClient || t == PortType::kVhostUserServer;
}

// The MTU of a port nobody set one for, and the range `mtu=` takes: Linux's minimum, and jumbo
// frames of 9216 bytes.
constexpr uint16_t kDefaultMtu = 1500;
constexpr uint16_t kMinMtu = 68;
constexpr uint16_t kMaxMtu = 9216;

using Settings = std::vector<std::pair<std::string, std::string>>;  // KEY=VALUE, in order

struct PortConfig {
    std::string name;                            // unique, 1..32 chars of [A-Za-z0-9_.-]
    PortType type = PortType::kVhostUserClient;  // how the port attaches
    std::string socket;                          // vhost-user socket path (vhost types)
    std::string devargs;                         // DPDK devargs (dpdk type)
    bool admin_up = true;                        // administratively enabled
    bool offloads = true;        // vhost-user: checksum and TSO offloads with the guest (off: none)
    bool one_copy = false;       // vhost-user: vsw drives the guest's TX rings (one copy)
    uint16_t mtu = kDefaultMtu;  // largest L2 payload (IP packet) the port sends and receives
    std::string description;     // free text for operators
    std::string owner;  // who manages the port: "" = the operator, "libvirt:UUID" = vsw-libvirt
    VlanMode vlan_mode = VlanMode::kTrunk;  // see core/vlan.h
    uint16_t tag = 0;                       // access or native VLAN (1-4094); 0 in trunk mode
    std::string trunks;         // VLANs a trunk carries, normalised "10,20-30"; "" = all
    PortBandwidth bandwidth;    // tx-rate, rx-rate and their companions (qos/bandwidth.h)
    VtepAddress vtep;           // dpdk only: the VXLAN underlay's VTEP address (vtep-ip=)
    bool forward_bpdu = false;  // forward-bpdu=on: reserved group addresses (STP, LLDP, LACP...)
                                // received here are switched like any multicast, as in OVS
    PortSecurity security;      // mac-limit, flood-rate (security/port_security_config.h)
    BondConfig bond;            // bond only: members, bond-mode, lacp (bond/bond_config.h)
    CfmConfig cfm;              // cfm-mpid...: the port's CFM MEP (cfm/cfm_settings.h)
    PortAclConfig acl;          // security-groups=: its ACL (acl/acl_port_settings.h)

    bool operator==(const PortConfig&) const = default;
};

struct SwitchSettings {
    uint32_t fdb_aging_seconds = 300;  // FDB entries unseen this long are removed

    bool operator==(const SwitchSettings&) const = default;
};

// Everything the state file holds.
struct SwitchConfig {
    SwitchSettings settings;            // switch-wide settings
    std::vector<PortConfig> ports;      // in creation order
    std::vector<MirrorConfig> mirrors;  // mirror sessions, in creation order
    IpfixConfig ipfix;                  // flow export (no collectors: off)
    OverlayConfig overlay;              // VLAN -> VNI mappings of the VXLAN overlay
    // Top-level sections a feature's controller owns ("sflow": its JSON text), kept as read:
    // the controller validates its own at restore, and a section no controller knows (written
    // by a newer vswd) survives being saved again.
    std::map<std::string, std::string> sections;

    bool operator==(const SwitchConfig&) const = default;
};

// Validation: an empty string means valid, otherwise the message for the operator.
std::string validate_port_config(const PortConfig& p);
std::string validate_settings(const SwitchSettings& s);

// Applies one KEY=VALUE to a port's config (set-port). Returns an error message or "". The
// combination of settings is checked afterwards by validate_port_config. A feature's own keys
// are its registered group's (src/config/port_settings.h).
std::string apply_port_setting(PortConfig& p, const std::string& key, const std::string& value);

// The settings that reproduce p's admin state, description, VLAN, MTU and bandwidth on any port
// when applied with apply_port_setting, in any order (a companion such as tx-burst comes only with
// a set rate, so no "none" clears it afterwards). vsw-libvirt replaces a port's settings with
// these.
Settings port_settings(const PortConfig& p);

// "access 10", "trunk all", "native-untagged 10 trunks 20-30": for tables.
std::string vlan_summary(const PortConfig& p);
// Applies one KEY=VALUE to the switch settings (vswctl set). Returns an error message or "".
std::string apply_switch_setting(SwitchSettings& s, const std::string& key,
                                 const std::string& value);

// JSON forms, used by the state file and the control protocol. from_json throws
// std::invalid_argument with a message naming the bad field.
nlohmann::json to_json(const PortConfig& p);
// `validated` false: the fields as given, unchecked (add-port applies its settings first).
PortConfig port_config_from_json(const nlohmann::json& j, bool validated = true);
nlohmann::json to_json(const SwitchConfig& c);
SwitchConfig switch_config_from_json(const nlohmann::json& j);

}  // namespace vsw
