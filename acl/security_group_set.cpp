// The switch's security groups (security_group_set.h).
#include "acl/security_group_set.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace vsw::acl {

using nlohmann::json;

namespace {

SecurityGroup* find_mutable(SecurityGroupSet& s, const std::string& name) {
    return const_cast<SecurityGroup*>(find_group(s, name));
}

std::string no_group(const std::string& name) {
    return "no security group '" + name + "'";
}

// "" or the error if a rule of a group other than `except` names `name` as its remote group.
std::string referenced(const SecurityGroupSet& s, const std::string& name,
                       const std::string& except) {
    for (const SecurityGroup& g : s.groups) {
        if (g.name == except) continue;
        for (const SecurityRule& r : g.rules)
            if (r.remote_group == name)
                return "group '" + g.name + "' rule " + std::to_string(r.id) +
                       " names it as remote-group";
    }
    return "";
}

}  // namespace

const SecurityGroup* find_group(const SecurityGroupSet& s, const std::string& name) {
    auto it =
        std::lower_bound(s.groups.begin(), s.groups.end(), name,
                         [](const SecurityGroup& g, const std::string& n) { return g.name < n; });
    return it != s.groups.end() && it->name == name ? &*it : nullptr;
}

std::string add_group(SecurityGroupSet& s, const std::string& name) {
    if (auto e = validate_group_name(name); !e.empty()) return e;
    if (find_group(s, name)) return "security group '" + name + "' exists";
    if (s.groups.size() >= kMaxGroups)
        return "the switch has " + std::to_string(kMaxGroups) +
               " security groups, the most it takes";
    auto it =
        std::lower_bound(s.groups.begin(), s.groups.end(), name,
                         [](const SecurityGroup& g, const std::string& n) { return g.name < n; });
    s.groups.insert(it, make_security_group(name));
    return "";
}

std::string delete_group(SecurityGroupSet& s, const std::string& name) {
    const SecurityGroup* g = find_group(s, name);
    if (!g) return no_group(name);
    if (auto e = referenced(s, name, name); !e.empty())
        return "security group '" + name + "' is in use: " + e;
    s.groups.erase(s.groups.begin() + (g - s.groups.data()));
    return "";
}

std::string add_group_rule(SecurityGroupSet& s, const std::string& group, const SecurityRule& r,
                           uint32_t* id) {
    SecurityGroup* g = find_mutable(s, group);
    if (!g) return no_group(group);
    if (!r.remote_group.empty() && !find_group(s, r.remote_group))
        return "remote-group: " + no_group(r.remote_group);
    return add_rule(*g, r, id);
}

std::string delete_group_rule(SecurityGroupSet& s, const std::string& group, uint32_t id) {
    SecurityGroup* g = find_mutable(s, group);
    if (!g) return no_group(group);
    return delete_rule(*g, id);
}

std::string apply_acl_command(SecurityGroupSet& s, const AclCommand& c, uint32_t* id) {
    switch (c.verb) {
        case AclVerb::kGroupAdd: return add_group(s, c.group);
        case AclVerb::kGroupDel: return delete_group(s, c.group);
        case AclVerb::kRuleAdd: return add_group_rule(s, c.group, c.rule, id);
        case AclVerb::kRuleDel: return delete_group_rule(s, c.group, c.rule_id);
        case AclVerb::kShow:
            return c.group.empty() || find_group(s, c.group) ? "" : no_group(c.group);
    }
    return "unknown acl command";
}

std::string check_port_groups(const SecurityGroupSet& s, const std::vector<std::string>& names) {
    for (const std::string& n : names)
        if (!find_group(s, n)) return "security-groups: " + no_group(n);
    return "";
}

json to_json(const SecurityGroupSet& s) {
    json j = json::array();
    for (const SecurityGroup& g : s.groups) j.push_back(to_json(g));
    return j;
}

SecurityGroupSet security_group_set_from_json(const json& j) {
    if (!j.is_array()) throw std::invalid_argument("'security-groups' must be a list of groups");
    if (j.size() > kMaxGroups)
        throw std::invalid_argument("more than " + std::to_string(kMaxGroups) + " security groups");
    SecurityGroupSet s;
    for (const json& gj : j) s.groups.push_back(security_group_from_json(gj));
    std::sort(s.groups.begin(), s.groups.end(),
              [](const SecurityGroup& a, const SecurityGroup& b) { return a.name < b.name; });
    for (size_t i = 1; i < s.groups.size(); ++i)
        if (s.groups[i].name == s.groups[i - 1].name)
            throw std::invalid_argument("security group '" + s.groups[i].name + "' is there twice");
    for (const SecurityGroup& g : s.groups)
        for (const SecurityRule& r : g.rules)
            if (!r.remote_group.empty() && !find_group(s, r.remote_group))
                throw std::invalid_argument("security group '" + g.name + "' rule " +
                                            std::to_string(r.id) +
                                            ": remote-group: " + no_group(r.remote_group));
    return s;
}

}  // namespace vsw::acl
