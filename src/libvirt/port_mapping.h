// From a libvirt domain to the vsw ports it should have: one port per vhost-user interface whose
// socket is in vsw's socket directory, with the VLAN, bandwidth and traffic filter its XML asks
// for.
#pragma once

#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/libvirt/domain_xml.h"

namespace vsw::libvirt {

// "web1" + "52:54:00:00:00:01" -> "web1-525400000001": stable across restarts of the domain. The
// domain part keeps [A-Za-z0-9_.-] (others become '_') and at most 19 characters.
std::string port_name(const std::string& domain, const std::string& mac);

// The owner recorded on the ports of a domain: "libvirt:UUID".
std::string port_owner(const std::string& uuid);
inline constexpr const char* kOwnerPrefix = "libvirt:";
// The UUID in an owner written by port_owner(); "" for any other owner.
std::string owner_uuid(const std::string& owner);

struct DomainPorts {
    std::vector<PortConfig> ports;  // what vswd should have for this domain
    std::vector<std::string> log;   // problems, one line each, for the operator
};

// What vsw-libvirt adds to every domain's XML.
struct MappingOptions {
    // --port-security=default: an interface without a traffic filter is locked to its MAC
    // (traffic_filter.h, mac_locked_settings), as a cloud's ports are unless told otherwise.
    bool lock_mac_by_default = false;
};

// The ports `d` should have. libvirt <bandwidth> (KiB/s, KiB) maps to vsw rates: <outbound>
// (from the guest) to tx-rate/tx-peak/tx-burst, <inbound> (towards it) to rx-rate/rx-burst.
// vsw metadata keys: admin (up|down), vlan-mode, tag, trunks (VLAN), tx-rate, tx-burst, tx-peak,
// rx-rate, rx-burst, rx-limit, rx-mode (override <bandwidth>: libvirt cannot change it live). A
// metadata filter="NAME" (libvirt's <filterref>) becomes port security (traffic_filter.h); the
// keys port-security, allowed-macs, allowed-ips, allowed-ethertypes, mac-limit, flood-rate,
// flood-burst and trusted override what it sets. Bad settings are logged and left out; a port
// whose VLAN or security settings are invalid, or whose filter vsw does not know, is created
// admin down, so it cannot end up on VLANs or with rights it was not meant to have.
DomainPorts domain_ports(const Domain& d, const std::string& socket_dir,
                         const MappingOptions& options = {});

}  // namespace vsw::libvirt
