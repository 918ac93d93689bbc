// A port's security groups (acl_port_settings.h).
#include "acl/acl_port_settings.h"

#include "acl/security_group.h"
#include "core/parse.h"

namespace vsw {

bool is_acl_setting(const std::string& key) {
    return key == "security-groups";
}

std::string apply_acl_setting(PortAclConfig& c, const std::string& key, const std::string& value) {
    if (key != "security-groups") return "unknown security group setting '" + key + "'";
    PortAclConfig next;
    if (value != "none") {
        if (value.empty() || value.front() == ',' || value.back() == ',' ||
            value.find(",,") != std::string::npos)
            return "security-groups must be GROUP[,GROUP...] or none (got '" + value + "')";
        next.groups = split_list(value);
    }
    if (auto e = validate_acl(next); !e.empty()) return e;
    c = next;
    return "";
}

std::string validate_acl(const PortAclConfig& c) {
    if (c.groups.size() > acl::kMaxGroupsPerPort)
        return "a port takes at most " + std::to_string(acl::kMaxGroupsPerPort) +
               " security groups";
    for (size_t i = 0; i < c.groups.size(); ++i) {
        if (auto e = acl::validate_group_name(c.groups[i]); !e.empty())
            return "security-groups: " + e;
        for (size_t j = 0; j < i; ++j)
            if (c.groups[j] == c.groups[i])
                return "security-groups: '" + c.groups[i] + "' is named twice";
    }
    return "";
}

std::vector<std::pair<std::string, std::string>> acl_settings(const PortAclConfig& c) {
    return {{"security-groups", c.enabled() ? join_list(c.groups) : "none"}};
}

}  // namespace vsw
