// What an operator configures: ports and switch-wide settings. These are the values persisted in
// the state file and carried by control requests; runtime state lives in Port and Switch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "src/ipfix_config.h"
#include "src/mirror_config.h"
#include "src/vlan.h"

namespace vsw {

enum class PortType {
    kVhostUserClient,  // vswd connects to a socket QEMU listens on (QEMU is the server)
    kVhostUserServer,  // vswd listens, QEMU connects
    kDpdk,             // a DPDK ethdev from devargs (PCI address, net_tap, net_af_packet, ...)
};

const char* port_type_name(PortType t);
std::optional<PortType> port_type_from_name(const std::string& s);
inline bool is_vhost(PortType t) { return t != PortType::kDpdk; }

struct PortConfig {
    std::string name;         // unique, 1..32 chars of [A-Za-z0-9_.-]
    PortType type = PortType::kVhostUserClient;  // how the port attaches
    std::string socket;       // vhost-user socket path (vhost types)
    std::string devargs;      // DPDK devargs (dpdk type)
    bool admin_up = true;     // administratively enabled
    std::string description;  // free text for operators
    std::string owner;        // who manages the port: "" = the operator, "libvirt:UUID" = vsw-libvirt
    VlanMode vlan_mode = VlanMode::kTrunk;  // see src/vlan.h
    uint16_t tag = 0;         // access or native VLAN (1-4094); 0 in trunk mode
    std::string trunks;       // VLANs a trunk carries, normalised "10,20-30"; "" = all
    // Bandwidth (0 = not set). "tx" is what the guest sends into the switch, "rx" what it gets.
    uint64_t tx_rate = 0;     // bits/s: guest TX shaped by not dequeuing (backpressure)
    uint64_t tx_burst = 0;    // bytes; 0 = 10 ms of tx_rate (at least two full frames)
    uint64_t tx_peak = 0;     // bits/s, optional peak rate (>= tx_rate)
    uint64_t rx_rate = 0;     // bits/s: frames to the guest shaped (queued) or policed (dropped)
    uint64_t rx_burst = 0;    // bytes; 0 = default as for tx
    std::string rx_limit;     // queue bound: bytes ("150000", "150k") or latency ("20ms"); "" = 50 ms
    bool rx_police = false;   // rx-mode=police: drop what exceeds the rate instead of queueing

    bool operator==(const PortConfig&) const = default;
};

struct SwitchSettings {
    uint32_t fdb_aging_seconds = 300;  // FDB entries unseen this long are removed

    bool operator==(const SwitchSettings&) const = default;
};

// Everything the state file holds.
struct SwitchConfig {
    SwitchSettings settings;        // switch-wide settings
    std::vector<PortConfig> ports;  // in creation order
    std::vector<MirrorConfig> mirrors;  // mirror sessions, in creation order
    IpfixConfig ipfix;                  // flow export (no collectors: off)

    bool operator==(const SwitchConfig&) const = default;
};

// Validation: an empty string means valid, otherwise the message for the operator.
std::string validate_port_name(const std::string& name);
std::string validate_port_config(const PortConfig& p);
std::string validate_settings(const SwitchSettings& s);

// Applies one KEY=VALUE to a port's config (set-port). Returns an error message or "". The
// combination of settings is checked afterwards by validate_port_config.
std::string apply_port_setting(PortConfig& p, const std::string& key, const std::string& value);

// The settings that reproduce p's admin state, description, VLAN and bandwidth on any port when
// applied with apply_port_setting, in any order (a companion such as tx-burst comes only with a
// set rate, so no "none" clears it afterwards). vsw-libvirt replaces a port's settings with these.
std::vector<std::pair<std::string, std::string>> port_settings(const PortConfig& p);

// The datapath's VLAN view of a valid config.
PortVlan port_vlan(const PortConfig& p);

// The datapath's bandwidth view of a valid config, in bytes.
struct PortQos {
    uint64_t version = 0;        // set when published: workers reset their buckets when it changes
    bool tx_shaped = false;      // guest TX limited
    uint64_t tx_rate = 0;        // bytes/s
    uint64_t tx_burst = 0;       // bytes
    uint64_t tx_peak = 0;        // bytes/s, 0 = none
    bool rx_shaped = false;      // guest RX limited (queued or policed)
    bool rx_police = false;      // drop instead of queueing
    uint64_t rx_rate = 0;        // bytes/s
    uint64_t rx_burst = 0;       // bytes
    uint64_t rx_limit = 0;       // queue bound in bytes
};
PortQos port_qos(const PortConfig& p);
// "tx 50M, rx 100M shape" for tables; "-" when unlimited.
std::string qos_summary(const PortConfig& p);

// "100M", "1.5G", "64k", "2000000" (bits/s) -> bits/s; nullopt for anything else.
std::optional<uint64_t> parse_rate(const std::string& s);
// "1500", "64k", "2M" -> bytes.
std::optional<uint64_t> parse_bytes(const std::string& s);
std::string format_rate(uint64_t bits_per_second);
// "access 10", "trunk all", "native-untagged 10 trunks 20-30": for tables.
std::string vlan_summary(const PortConfig& p);
// Applies one KEY=VALUE to the switch settings (vswctl set). Returns an error message or "".
std::string apply_switch_setting(SwitchSettings& s, const std::string& key, const std::string& value);

// JSON forms, used by the state file and the control protocol. from_json throws
// std::invalid_argument with a message naming the bad field.
nlohmann::json to_json(const PortConfig& p);
PortConfig port_config_from_json(const nlohmann::json& j);
nlohmann::json to_json(const SwitchConfig& c);
SwitchConfig switch_config_from_json(const nlohmann::json& j);

// Parses a decimal integer within [lo, hi]; nullopt on anything else.
std::optional<uint64_t> parse_uint(const std::string& s, uint64_t lo, uint64_t hi);

}  // namespace vsw
