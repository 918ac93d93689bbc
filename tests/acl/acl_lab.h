// Helpers for the ACL tests: rules from their words, and groups and sets built from them.
#pragma once

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "acl/acl_syntax.h"
#include "acl/security_group_set.h"

namespace vsw::acl::testing {

// A rule from `rule-add`'s words ("direction=ingress protocol=tcp port=22"); throws if refused.
inline SecurityRule rule(const std::string& words) {
    std::vector<std::string> w = {"rule-add", "g"};
    std::istringstream in(words);
    for (std::string s; in >> s;) w.push_back(s);
    AclCommand c;
    if (auto e = parse_acl_command(w, c); !e.empty()) throw std::invalid_argument(words + ": " + e);
    return c.rule;
}

// The error parse_acl_command gives for `rule-add g WORDS`, "" if none.
inline std::string rule_error(const std::string& words) {
    std::vector<std::string> w = {"rule-add", "g"};
    std::istringstream in(words);
    for (std::string s; in >> s;) w.push_back(s);
    AclCommand c;
    return parse_acl_command(w, c);
}

// A group without Neutron's default rules, holding `rules` (ids 1, 2, ...).
inline SecurityGroup bare_group(const std::string& name, const std::vector<std::string>& rules) {
    SecurityGroup g;
    g.name = name;
    for (const std::string& r : rules)
        if (auto e = add_rule(g, rule(r)); !e.empty()) throw std::invalid_argument(r + ": " + e);
    return g;
}

// A set of groups (kept sorted by name, as add_group keeps it).
inline SecurityGroupSet group_set(std::vector<SecurityGroup> groups) {
    SecurityGroupSet s;
    s.groups = std::move(groups);
    std::sort(s.groups.begin(), s.groups.end(),
              [](const SecurityGroup& a, const SecurityGroup& b) { return a.name < b.name; });
    return s;
}

}  // namespace vsw::acl::testing
