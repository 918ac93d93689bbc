// The switch's security groups: groups added and deleted by name, rules added and deleted in
// them, with the checks that span groups (a remote group must exist; a group that another
// group's rule names cannot go), and the state file's section for all of them. What ports use
// a group is the ACL controller's (it checks check_port_groups before a port takes groups, and
// that no port names a group before deleting it). Pure: no DPDK.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "acl/acl_syntax.h"
#include "acl/security_group.h"

namespace vsw::acl {

struct SecurityGroupSet {
    std::vector<SecurityGroup> groups{};  // sorted by name, at most kMaxGroups

    bool operator==(const SecurityGroupSet&) const = default;
};

// The group of that name, or null.
const SecurityGroup* find_group(const SecurityGroupSet& s, const std::string& name);

// A new group with Neutron's default rules. "" or the error (bad name, exists, kMaxGroups).
std::string add_group(SecurityGroupSet& s, const std::string& name);
// "" or the error (no such group; another group's rule names it as remote-group).
std::string delete_group(SecurityGroupSet& s, const std::string& name);
// rule-add: "" or the error (no such group, remote group unknown, add_rule's refusals).
std::string add_group_rule(SecurityGroupSet& s, const std::string& group, const SecurityRule& r,
                           uint32_t* id = nullptr);
// rule-del: "" or the error.
std::string delete_group_rule(SecurityGroupSet& s, const std::string& group, uint32_t id);

// Applies a command read by parse_acl_command (show changes nothing); rule-add's new id in
// `id`. "" or the error, `s` untouched then.
std::string apply_acl_command(SecurityGroupSet& s, const AclCommand& c, uint32_t* id = nullptr);

// "" or the error naming the first of `names` that is not a group.
std::string check_port_groups(const SecurityGroupSet& s, const std::vector<std::string>& names);

// The state file's section: a list of groups (security_group.h's form), by name. The reader
// checks what the commands check (names once, remote groups known, bounds) and throws
// std::invalid_argument.
nlohmann::json to_json(const SecurityGroupSet& s);
SecurityGroupSet security_group_set_from_json(const nlohmann::json& j);

}  // namespace vsw::acl
