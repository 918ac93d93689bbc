// A port's isolation settings as the operator sets them, persisted with its config: how many
// MACs it may learn (mac-limit), how much broadcast, multicast and unknown unicast it may flood
// (flood-rate, storm control), and what its guest may send (port-security=on: its source MACs,
// IPv4 and IPv6 addresses, ethertypes, and no DHCP server or router advertisement unless the
// port is trusted). Pure: no DPDK.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/ipv6.h"
#include "core/mac.h"

namespace vsw {

// An IPv4 prefix a guest may send from (host byte order).
struct Ipv4Prefix {
    uint32_t ip = 0;
    uint8_t len = 32;
    bool operator==(const Ipv4Prefix&) const = default;
};

// An IPv6 prefix a guest may send from.
struct Ipv6Prefix {
    Ipv6Address addr{};
    uint8_t len = 128;
    bool operator==(const Ipv6Prefix&) const = default;
};

struct PortSecurity {
    uint32_t mac_limit = 0;           // MACs the port may have learned at once; 0 = no limit
    uint32_t flood_rate = 0;          // packets/s of its frames that flood; 0 = no storm control
    uint32_t flood_burst = 0;         // packets; 0 = flood_rate / 10, at least kMinFloodBurst
    bool enabled = false;             // port-security=on: the guest's sources are checked
    std::vector<Mac> allowed_macs{};  // source MACs it may send from (at least one when on)
    std::vector<Ipv4Prefix> allowed_ipv4{};  // IPv4 sources (0.0.0.0, DHCP's, always allowed)
    std::vector<Ipv6Prefix> allowed_ipv6{};  // IPv6 sources (:: and the MACs' fe80:: always)
    bool any_ip = false;                     // allowed-ips=any: addresses are not checked
    bool learn_dhcp = false;                 // allowed-ips=dhcp: also what a DHCP server acks
    std::vector<uint16_t> ethertypes{};      // what it may send; empty = IPv4, ARP, IPv6, RARP
    bool any_ethertype = false;              // allowed-ethertypes=any
    bool trusted = false;  // trusted=on: may be a DHCP server and send router advertisements

    bool operator==(const PortSecurity&) const = default;
};

constexpr uint32_t kMaxMacLimit = 1'000'000;
constexpr uint32_t kMaxFloodRate = 100'000'000;
constexpr uint32_t kMinFloodBurst = 16;
constexpr unsigned kMaxAllowedMacs = 8;
constexpr unsigned kMaxAllowedIps = 16;
constexpr unsigned kMaxEthertypes = 8;
// libvirt's clean-traffic: IPv4, ARP, IPv6 and RARP (QEMU's announce after migration).
inline const std::vector<uint16_t> kDefaultEthertypes = {0x0800, 0x0806, 0x86dd, 0x8035};

// The keys apply_security_setting takes: mac-limit, flood-rate, flood-burst, port-security,
// allowed-macs, allowed-ips, allowed-ethertypes, trusted.
bool is_security_setting(const std::string& key);
// Applies one ("none" clears it; clearing flood-rate clears its burst). "" or the error.
std::string apply_security_setting(PortSecurity& s, const std::string& key,
                                   const std::string& value);
// Checks the combination (a burst needs its rate; port-security=on needs an allowed MAC).
std::string validate_security(const PortSecurity& s);
// The settings that make any port's security `s` ("none" for those not set), applied in this
// order or sorted by key.
std::vector<std::pair<std::string, std::string>> security_settings(const PortSecurity& s);
// The lists as set-port takes them ("none" / "default" when empty).
std::string allowed_macs_str(const PortSecurity& s);
std::string allowed_ips_str(const PortSecurity& s);
std::string ethertypes_str(const PortSecurity& s);
// The burst storm control allows: flood_burst, or its default.
uint32_t effective_flood_burst(const PortSecurity& s);

}  // namespace vsw
