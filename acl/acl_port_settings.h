// A port's security groups as the operator sets them (`set-port vm1 security-groups=web,db`),
// persisted with its config. A port with groups gets Neutron's defaults (acl_classifier.h):
// what no rule of its groups allows is dropped, both ways, except ARP, DHCP client traffic and
// IPv6 neighbour discovery. `security-groups=none` (the default) takes the ACL off the port.
// Whether the groups exist is the ACL controller's check (security_group_set.h,
// check_port_groups). Pure: no DPDK.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vsw {

struct PortAclConfig {
    std::vector<std::string> groups{};  // security group names, in the order given; empty: no ACL

    bool enabled() const { return !groups.empty(); }
    bool operator==(const PortAclConfig&) const = default;
};

// The key apply_acl_setting takes: security-groups.
bool is_acl_setting(const std::string& key);
// Applies one: NAME[,NAME...] or none. "" or the error (`c` untouched then).
std::string apply_acl_setting(PortAclConfig& c, const std::string& key, const std::string& value);
// Checks the whole: names valid, none twice, at most acl::kMaxGroupsPerPort. "" or the error.
std::string validate_acl(const PortAclConfig& c);
// The settings that reproduce `c` (security-groups=none when off).
std::vector<std::pair<std::string, std::string>> acl_settings(const PortAclConfig& c);

}  // namespace vsw
