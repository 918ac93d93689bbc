// The operator's words for security groups (acl_syntax.h).
#include "acl/acl_syntax.h"

#include "core/ipv4.h"
#include "core/parse.h"

namespace vsw::acl {
namespace {

// Protocols by name: what Neutron's API takes (ipv6-icmp read as icmpv6).
struct NamedProtocol {
    const char* name;  // the word
    uint8_t number;    // its IP protocol number
};
constexpr NamedProtocol kProtocols[] = {
    {"tcp", kProtoTcp},         {"udp", kProtoUdp},   {"icmp", kProtoIcmp},
    {"icmpv6", kProtoIcmpv6},   {"sctp", kProtoSctp}, {"dccp", kProtoDccp},
    {"udplite", kProtoUdplite},
};

constexpr const char* kRuleKeys =
    "direction, ethertype, protocol, port, icmp-type, icmp-code, remote, remote-group, action, "
    "priority";

uint32_t ipv4_of(const IpPrefix& p) {
    return uint32_t{p.addr[0]} << 24 | uint32_t{p.addr[1]} << 16 | uint32_t{p.addr[2]} << 8 |
           p.addr[3];
}

std::string set_byte(std::optional<uint8_t>& field, const std::string& key,
                     const std::string& value) {
    const auto v = parse_uint(value, 0, 255);
    if (!v) return key + " must be 0-255 (got '" + value + "')";
    field = static_cast<uint8_t>(*v);
    return "";
}

std::string set_protocol(SecurityRule& r, const std::string& value) {
    if (value == "any") {
        r.protocol.reset();
        return "";
    }
    for (const NamedProtocol& p : kProtocols)
        if (value == p.name) {
            r.protocol = p.number;
            return "";
        }
    if (value == "ipv6-icmp") {
        r.protocol = kProtoIcmpv6;
        return "";
    }
    const auto v = parse_uint(value, 0, 255);
    if (!v)
        return "protocol must be tcp, udp, icmp, icmpv6, sctp, dccp, udplite, any or a number "
               "0-255 (got '" +
               value + "')";
    r.protocol = static_cast<uint8_t>(*v);
    return "";
}

std::string set_ports(SecurityRule& r, const std::string& value) {
    const size_t dash = value.find('-');
    const auto min = parse_uint(value.substr(0, dash), 0, 65535);
    const auto max = dash == std::string::npos ? min : parse_uint(value.substr(dash + 1), 0, 65535);
    if (!min || !max) return "port must be P or MIN-MAX, ports 0-65535 (got '" + value + "')";
    if (*max < *min) return "port range " + value + " is backwards";
    r.ports = PortRange{static_cast<uint16_t>(*min), static_cast<uint16_t>(*max)};
    return "";
}

// One KEY=VALUE into `r`. "" or the error.
std::string apply_rule_setting(SecurityRule& r, const std::string& key, const std::string& value) {
    if (key == "direction") {
        if (value == "ingress") r.direction = Direction::kIngress;
        else if (value == "egress") r.direction = Direction::kEgress;
        else return "direction must be ingress or egress, not '" + value + "'";
        return "";
    }
    if (key == "ethertype") {
        if (value == "ipv4") r.ethertype = Ethertype::kIpv4;
        else if (value == "ipv6") r.ethertype = Ethertype::kIpv6;
        else return "ethertype must be ipv4 or ipv6, not '" + value + "'";
        return "";
    }
    if (key == "protocol") return set_protocol(r, value);
    if (key == "port") return set_ports(r, value);
    if (key == "icmp-type") return set_byte(r.icmp_type, key, value);
    if (key == "icmp-code") return set_byte(r.icmp_code, key, value);
    if (key == "remote") {
        IpPrefix p;
        if (auto e = parse_prefix(value, p); !e.empty()) return "remote: " + e;
        r.remote_prefix = p;
        return "";
    }
    if (key == "remote-group") {
        r.remote_group = value;
        return value.empty() ? "remote-group needs a group's name" : "";
    }
    if (key == "action") {
        if (value == "allow") r.action = Action::kAllow;
        else if (value == "deny") r.action = Action::kDeny;
        else return "action must be allow or deny, not '" + value + "'";
        return "";
    }
    if (key == "priority") {
        const auto v = parse_uint(value, 0, kLowestPriority);
        if (!v) return "priority must be 0-65535, lower first (got '" + value + "')";
        r.priority = static_cast<uint16_t>(*v);
        return "";
    }
    return "unknown rule key '" + key + "' (" + kRuleKeys + ")";
}

}  // namespace

const char* direction_name(Direction d) {
    return d == Direction::kIngress ? "ingress" : "egress";
}

const char* ethertype_name(Ethertype e) {
    return e == Ethertype::kIpv4 ? "ipv4" : "ipv6";
}

const char* action_name(Action a) {
    return a == Action::kAllow ? "allow" : "deny";
}

std::string protocol_name(uint8_t protocol) {
    for (const NamedProtocol& p : kProtocols)
        if (p.number == protocol) return p.name;
    return std::to_string(protocol);
}

std::string format_prefix(const IpPrefix& p) {
    const std::string addr =
        p.family == Ethertype::kIpv4 ? format_ipv4(ipv4_of(p)) : format_ipv6(p.addr);
    return addr + "/" + std::to_string(p.len);
}

std::string parse_prefix(const std::string& s, IpPrefix& out) {
    IpPrefix p;
    if (s.find(':') != std::string::npos) {
        p.family = Ethertype::kIpv6;
        if (!parse_ipv6_prefix(s, p.addr, p.len))
            return "'" + s + "' is not an IPv6 address or prefix (2001:db8::/32)";
    } else {
        uint32_t ip = 0;
        if (!parse_ipv4_prefix(s, ip, p.len))
            return "'" + s + "' is not an IPv4 address or prefix (10.0.0.0/8)";
        p.addr = ipv4_host(ip).addr;
    }
    const IpPrefix net = network_of(p);
    if (!(net == p)) return "'" + s + "' has host bits set: the network is " + format_prefix(net);
    out = p;
    return "";
}

std::string parse_rule(const Settings& settings, SecurityRule& out) {
    SecurityRule r;
    std::vector<std::string> seen;
    for (const auto& [key, value] : settings) {
        for (const std::string& s : seen)
            if (s == key) return "'" + key + "' is given twice";
        seen.push_back(key);
        if (auto e = apply_rule_setting(r, key, value); !e.empty()) return e;
    }
    bool has_direction = false;
    for (const std::string& s : seen) has_direction |= s == "direction";
    if (!has_direction) return "a rule needs direction=ingress or direction=egress";
    if (auto e = validate_rule(r); !e.empty()) return e;
    // One form per rule: what matches anything is absent.
    if (r.ports && r.ports->min == 0 && r.ports->max == 65535) r.ports.reset();
    if (r.remote_prefix && r.remote_prefix->len == 0) r.remote_prefix.reset();
    out = r;
    return "";
}

Settings rule_settings(const SecurityRule& r) {
    Settings s = {{"direction", direction_name(r.direction)},
                  {"ethertype", ethertype_name(r.ethertype)}};
    if (r.protocol) s.emplace_back("protocol", protocol_name(*r.protocol));
    if (r.ports)
        s.emplace_back("port", r.ports->min == r.ports->max ? std::to_string(r.ports->min)
                                                            : std::to_string(r.ports->min) + "-" +
                                                                  std::to_string(r.ports->max));
    if (r.icmp_type) s.emplace_back("icmp-type", std::to_string(*r.icmp_type));
    if (r.icmp_code) s.emplace_back("icmp-code", std::to_string(*r.icmp_code));
    if (r.remote_prefix) s.emplace_back("remote", format_prefix(*r.remote_prefix));
    if (!r.remote_group.empty()) s.emplace_back("remote-group", r.remote_group);
    if (r.action != Action::kAllow) s.emplace_back("action", action_name(r.action));
    if (r.priority != kLowestPriority) s.emplace_back("priority", std::to_string(r.priority));
    return s;
}

std::string rule_words(const SecurityRule& r) {
    std::string out;
    for (const auto& [k, v] : rule_settings(r)) out += (out.empty() ? "" : " ") + k + "=" + v;
    return out;
}

std::string parse_acl_command(const std::vector<std::string>& words, AclCommand& out) {
    if (words.empty()) return "acl needs a command: group-add, group-del, rule-add, rule-del, show";
    const std::string& verb = words[0];
    const size_t args = words.size() - 1;
    AclCommand c;
    if (verb == "group-add" || verb == "group-del") {
        if (args != 1) return "usage: acl " + verb + " GROUP";
        c.verb = verb == "group-add" ? AclVerb::kGroupAdd : AclVerb::kGroupDel;
    } else if (verb == "rule-add") {
        if (args < 2)
            return "usage: acl rule-add GROUP KEY=VALUE... (" + std::string(kRuleKeys) + ")";
        c.verb = AclVerb::kRuleAdd;
        Settings settings;
        for (size_t i = 2; i < words.size(); ++i) {
            const size_t eq = words[i].find('=');
            if (eq == std::string::npos || eq == 0)
                return "expected KEY=VALUE, got '" + words[i] + "'";
            settings.emplace_back(words[i].substr(0, eq), words[i].substr(eq + 1));
        }
        if (auto e = parse_rule(settings, c.rule); !e.empty()) return e;
    } else if (verb == "rule-del") {
        if (args != 2) return "usage: acl rule-del GROUP RULE-ID";
        c.verb = AclVerb::kRuleDel;
        const auto id = parse_uint(words[2], 1, UINT32_MAX - 1);
        if (!id)
            return "a rule id is a number from 1, as rule-add printed it (got '" + words[2] + "')";
        c.rule_id = static_cast<uint32_t>(*id);
    } else if (verb == "show") {
        if (args > 1) return "usage: acl show [GROUP]";
        c.verb = AclVerb::kShow;
    } else {
        return "unknown acl command '" + verb +
               "' (group-add, group-del, rule-add, rule-del, show)";
    }
    if (args >= 1) {
        c.group = words[1];
        if (auto e = validate_group_name(c.group); !e.empty()) return e;
    }
    out = c;
    return "";
}

}  // namespace vsw::acl
