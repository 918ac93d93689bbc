// From a libvirt domain to the vsw ports it should have: one port per vhost-user interface whose
// socket is in vsw's socket directory, with the VLAN, bandwidth and traffic filter its XML asks
// for, and the security groups those filters need.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "acl/security_group.h"
#include "src/config/config.h"
#include "src/libvirt/domain_xml.h"
#include "src/libvirt/nwfilter_translate.h"

namespace vsw::libvirt {

// "web1" + "52:54:00:00:00:01" -> "web1-525400000001": stable across restarts of the domain. The
// domain part keeps [A-Za-z0-9_.-] (others become '_') and at most 19 characters.
std::string port_name(const std::string& domain, const std::string& mac);

// The owner recorded on the ports of a domain: "libvirt:UUID".
std::string port_owner(const std::string& uuid);
inline constexpr const char* kOwnerPrefix = "libvirt:";
// The UUID in an owner written by port_owner(); "" for any other owner.
std::string owner_uuid(const std::string& owner);

// The security group vsw-libvirt makes for a port whose traffic filter needs rules:
// "nwf-" + the port's name ("nwf-web1-525400aa0001"; at most 36 characters, a valid group
// name). Groups whose names start with "nwf-" are vsw-libvirt's: it changes their rules to its
// filters' and deletes those whose port it removed.
inline constexpr const char* kFilterGroupPrefix = "nwf-";
std::string filter_group_name(const std::string& port);
// The port a group named by filter_group_name belongs to: the name after the prefix when it ends
// in '-' and 12 hex digits as port_name() makes them, else "".
std::string filter_group_port(const std::string& group);

// Security groups by name, each with its rules in decision order (priorities ascending).
using GroupRules = std::map<std::string, std::vector<acl::SecurityRule>>;

struct DomainPorts {
    std::vector<PortConfig> ports;  // what vswd should have for this domain
    GroupRules groups;              // the security groups those ports name, as they should be
    std::vector<std::string> log;   // problems, one line each, for the operator
};

// What vsw-libvirt adds to every domain's XML.
struct MappingOptions {
    // --port-security=default: an interface without a traffic filter is locked to its MAC
    // (mac_locked_settings), as a cloud's ports are unless told otherwise.
    bool lock_mac_by_default = false;
};

// `s` made fit for a port description: bytes that are not UTF-8 become '?' (vswd's JSON takes
// only UTF-8), at most `max` bytes, no character cut.
std::string description_text(const std::string& s, size_t max);

// vsw-libvirt --port-security=default, for an interface without a filter: the guest may send
// only from its MAC (any address, any ethertype), so it can neither spoof another guest's MAC
// nor poison the FDB, and static guests keep working.
Settings mac_locked_settings(const std::string& mac);

// The ports `d` should have. libvirt <bandwidth> (KiB/s, KiB) maps to vsw rates: <outbound>
// (from the guest) to tx-rate/tx-peak/tx-burst, <inbound> (towards it) to rx-rate/rx-burst.
// vsw metadata keys: admin (up|down), vlan-mode, tag, trunks (VLAN), tx-rate, tx-burst, tx-peak,
// rx-rate, rx-burst, rx-limit, rx-mode (override <bandwidth>: libvirt cannot change it live).
//
// A metadata filter="NAME" (libvirt's <filterref>) is read through `lookup` (libvirt's nwfilter
// XML by name; none given: no filter exists) and translated (nwfilter_translate.h): its port
// security settings apply, and when it needs rules the port gets a security group of its own,
// filter_group_name(port), holding them (`security-groups=` that group; the group is in
// DomainPorts::groups). The keys port-security, allowed-macs, allowed-ips, allowed-ethertypes,
// mac-limit, flood-rate, flood-burst and trusted override what the filter sets. A filter vsw
// cannot enforce faithfully (a refusal) leaves the port admin down with "nwfilter: REASON" as
// its description (what `vswctl show` prints) and in the log. Bad settings are logged and left
// out; a port whose VLAN or security settings are invalid is created admin down too, so it
// cannot end up on VLANs or with rights it was not meant to have.
DomainPorts domain_ports(const Domain& d, const std::string& socket_dir,
                         const MappingOptions& options = {}, const FilterLookup& lookup = {});

}  // namespace vsw::libvirt
