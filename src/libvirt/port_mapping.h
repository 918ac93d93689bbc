// From a libvirt domain to the vsw ports it should have: one port per vhost-user interface whose
// socket is in vsw's socket directory, with the VLAN and bandwidth its XML asks for.
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

// The ports `d` should have. libvirt <bandwidth> (KiB/s, KiB) maps to vsw rates: <outbound>
// (from the guest) to tx-rate/tx-peak/tx-burst, <inbound> (towards it) to rx-rate/rx-burst.
// vsw metadata keys: admin (up|down), vlan-mode, tag, trunks (VLAN), tx-rate, tx-burst, tx-peak,
// rx-rate, rx-burst, rx-limit, rx-mode (override <bandwidth>: libvirt cannot change it live). Bad
// settings are logged and left out; a port whose VLAN settings are invalid is created admin down,
// so it cannot end up on VLANs it was not meant for.
DomainPorts domain_ports(const Domain& d, const std::string& socket_dir);

}  // namespace vsw::libvirt
