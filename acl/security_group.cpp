// Security groups and their rules (security_group.h).
#include "acl/security_group.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "acl/acl_syntax.h"

namespace vsw::acl {

using nlohmann::json;

namespace {

uint8_t max_prefix_len(Ethertype e) {
    return e == Ethertype::kIpv4 ? 32 : 128;
}

}  // namespace

bool has_ports(uint8_t protocol) {
    return protocol == kProtoTcp || protocol == kProtoUdp || protocol == kProtoDccp ||
           protocol == kProtoSctp || protocol == kProtoUdplite;
}

bool is_icmp(uint8_t protocol) {
    return protocol == kProtoIcmp || protocol == kProtoIcmpv6;
}

IpPrefix ipv4_host(uint32_t ip) {
    IpPrefix p;
    p.family = Ethertype::kIpv4;
    for (int i = 0; i < 4; ++i) p.addr[i] = static_cast<uint8_t>(ip >> (24 - 8 * i));
    p.len = 32;
    return p;
}

IpPrefix ipv6_host(const Ipv6Address& ip) {
    return {Ethertype::kIpv6, ip, 128};
}

IpPrefix network_of(IpPrefix p) {
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned first_bit = 8 * i;
        if (first_bit + 8 <= p.len) continue;
        p.addr[i] &=
            first_bit < p.len ? static_cast<uint8_t>(0xff << (8 - (p.len - first_bit))) : 0;
    }
    return p;
}

bool SecurityRule::same_as(const SecurityRule& o) const {
    SecurityRule a = *this;
    a.id = o.id;
    return a == o;
}

SecurityGroup make_security_group(const std::string& name) {
    SecurityGroup g;
    g.name = name;
    for (Ethertype e : {Ethertype::kIpv4, Ethertype::kIpv6}) {
        SecurityRule r;
        r.direction = Direction::kEgress;
        r.ethertype = e;
        add_rule(g, r);
    }
    return g;
}

std::string validate_group_name(const std::string& name) {
    if (name.empty() || name.size() > kMaxGroupNameLength)
        return "a group name must be 1 to " + std::to_string(kMaxGroupNameLength) + " characters";
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok)
            return "group name '" + name + "' may contain only letters, digits, '_', '-' and '.'";
    }
    if (name == "none") return "'none' cannot name a group (security-groups=none means no groups)";
    return "";
}

std::string validate_rule(const SecurityRule& r) {
    const bool v4 = r.ethertype == Ethertype::kIpv4;
    if (r.protocol == kProtoIcmp && !v4)
        return "protocol icmp is IPv4's: with ethertype=ipv6 use protocol=icmpv6";
    if (r.protocol == kProtoIcmpv6 && v4)
        return "protocol icmpv6 is IPv6's: with ethertype=ipv4 use protocol=icmp";
    if (r.ports) {
        if (!r.protocol || !has_ports(*r.protocol))
            return "port applies to protocol tcp, udp, sctp, dccp or udplite";
        if (r.ports->min > r.ports->max)
            return "port range " + std::to_string(r.ports->min) + "-" +
                   std::to_string(r.ports->max) + " is backwards";
    }
    if ((r.icmp_type || r.icmp_code) && (!r.protocol || !is_icmp(*r.protocol)))
        return "icmp-type and icmp-code apply to protocol icmp (ipv4) or icmpv6 (ipv6)";
    if (r.icmp_code && !r.icmp_type) return "icmp-code needs icmp-type (a code of any type)";
    if (r.remote_prefix && !r.remote_group.empty())
        return "remote and remote-group exclude each other: give one";
    if (r.remote_prefix) {
        const IpPrefix& p = *r.remote_prefix;
        if (p.family != r.ethertype)
            return "remote " + format_prefix(p) + " is " + (v4 ? "IPv6" : "IPv4") +
                   ": it does not go with ethertype=" + ethertype_name(r.ethertype);
        if (p.len > max_prefix_len(p.family) || !(network_of(p) == p))
            return "remote " + format_prefix(p) + " has bits set past its length";
    }
    if (!r.remote_group.empty())
        if (auto e = validate_group_name(r.remote_group); !e.empty()) return "remote-group: " + e;
    return "";
}

std::string add_rule(SecurityGroup& g, SecurityRule r, uint32_t* id) {
    if (auto e = validate_rule(r); !e.empty()) return e;
    for (const SecurityRule& o : g.rules)
        if (o.same_as(r))
            return "group '" + g.name + "' has this rule already: rule " + std::to_string(o.id);
    if (g.rules.size() >= kMaxRulesPerGroup)
        return "group '" + g.name + "' has " + std::to_string(kMaxRulesPerGroup) +
               " rules, the most a group may have";
    if (g.next_rule_id == UINT32_MAX) return "group '" + g.name + "' has no rule ids left";
    r.id = g.next_rule_id++;
    g.rules.push_back(r);
    if (id) *id = r.id;
    return "";
}

std::string delete_rule(SecurityGroup& g, uint32_t id) {
    for (auto it = g.rules.begin(); it != g.rules.end(); ++it)
        if (it->id == id) {
            g.rules.erase(it);
            return "";
        }
    return "group '" + g.name + "' has no rule " + std::to_string(id);
}

const SecurityRule* find_rule(const SecurityGroup& g, uint32_t id) {
    for (const SecurityRule& r : g.rules)
        if (r.id == id) return &r;
    return nullptr;
}

json to_json(const SecurityRule& r) {
    json j = json::object();
    j["id"] = r.id;
    for (const auto& [k, v] : rule_settings(r)) j[k] = v;
    return j;
}

json to_json(const SecurityGroup& g) {
    json rules = json::array();
    for (const SecurityRule& r : g.rules) rules.push_back(to_json(r));
    return {{"name", g.name}, {"next-rule-id", g.next_rule_id}, {"rules", rules}};
}

SecurityRule security_rule_from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("a rule must be an object");
    uint32_t id = 0;
    Settings settings;
    for (const auto& [k, v] : j.items()) {
        if (k == "id") {
            if (!v.is_number_unsigned() || v.get<uint64_t>() < 1 || v.get<uint64_t>() >= UINT32_MAX)
                throw std::invalid_argument("a rule's id must be a number from 1");
            id = v.get<uint32_t>();
        } else if (!v.is_string()) {
            throw std::invalid_argument("rule setting '" + k + "' must be a string");
        } else {
            settings.emplace_back(k, v.get<std::string>());
        }
    }
    if (!id) throw std::invalid_argument("a rule needs its id");
    SecurityRule r;
    if (auto e = parse_rule(settings, r); !e.empty())
        throw std::invalid_argument("rule " + std::to_string(id) + ": " + e);
    r.id = id;
    return r;
}

SecurityGroup security_group_from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("a security group must be an object");
    for (const auto& [k, v] : j.items())
        if (k != "name" && k != "next-rule-id" && k != "rules")
            throw std::invalid_argument("a security group has no '" + k +
                                        "' (name, next-rule-id, rules)");
    const auto name = j.find("name");
    if (name == j.end() || !name->is_string())
        throw std::invalid_argument("a security group needs its name");
    SecurityGroup g;
    g.name = name->get<std::string>();
    if (auto e = validate_group_name(g.name); !e.empty()) throw std::invalid_argument(e);
    const std::string where = "security group '" + g.name + "': ";
    const auto next = j.find("next-rule-id");
    if (next == j.end() || !next->is_number_unsigned() || next->get<uint64_t>() < 1 ||
        next->get<uint64_t>() > UINT32_MAX)
        throw std::invalid_argument(where + "next-rule-id must be a number from 1");
    g.next_rule_id = next->get<uint32_t>();
    const auto rules = j.find("rules");
    if (rules == j.end() || !rules->is_array())
        throw std::invalid_argument(where + "rules must be a list");
    if (rules->size() > kMaxRulesPerGroup)
        throw std::invalid_argument(where + "more than " + std::to_string(kMaxRulesPerGroup) +
                                    " rules");
    for (const json& rj : *rules) {
        SecurityRule r;
        try {
            r = security_rule_from_json(rj);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(where + e.what());
        }
        if (r.id >= g.next_rule_id)
            throw std::invalid_argument(where + "rule " + std::to_string(r.id) +
                                        " is not below next-rule-id");
        if (!g.rules.empty() && r.id <= g.rules.back().id)
            throw std::invalid_argument(where + "rule ids must ascend (" + std::to_string(r.id) +
                                        " after " + std::to_string(g.rules.back().id) + ")");
        for (const SecurityRule& o : g.rules)
            if (o.same_as(r))
                throw std::invalid_argument(where + "rule " + std::to_string(r.id) +
                                            " repeats rule " + std::to_string(o.id));
        g.rules.push_back(r);
    }
    return g;
}

}  // namespace vsw::acl
