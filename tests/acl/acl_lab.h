// Helpers for the ACL tests and benchmark: rules from their words, groups and sets built from
// them, and connection keys of each kind.
#pragma once

#include <arpa/inet.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "acl/acl_classifier.h"
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

inline uint32_t ip4(const char* s) {
    in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1) throw std::invalid_argument(s);
    return ntohl(a.s_addr);
}

inline AclAddress ip6(const char* s) {
    uint8_t b[16];
    if (inet_pton(AF_INET6, s, b) != 1) throw std::invalid_argument(s);
    return acl_ipv6(b);
}

inline IpPrefix prefix(const char* s) {
    IpPrefix p;
    if (auto e = parse_prefix(s, p); !e.empty()) throw std::invalid_argument(e);
    return p;
}

// A first packet: `remote` is the far end, `local` the guest's address; for ingress the far
// end is the source. Ports: the destination's `dport`, the source's `sport`.
inline AclKey key(Direction d, Ethertype e, uint8_t protocol, AclAddress remote, AclAddress local,
                  uint16_t dport = 0, uint16_t sport = 0) {
    AclKey k;
    k.direction = d;
    k.ethertype = e;
    k.protocol = protocol;
    k.src = d == Direction::kIngress ? remote : local;
    k.dst = d == Direction::kIngress ? local : remote;
    k.dst_port = dport;
    k.src_port = sport;
    return k;
}

inline AclKey tcp4_in(const char* from, uint16_t dport, uint16_t sport = 40000) {
    return key(Direction::kIngress, Ethertype::kIpv4, kProtoTcp, acl_ipv4(ip4(from)),
               acl_ipv4(ip4("192.0.2.10")), dport, sport);
}

inline AclKey udp4(Direction d, const char* remote, uint16_t dport, uint16_t sport = 40000) {
    return key(d, Ethertype::kIpv4, kProtoUdp, acl_ipv4(ip4(remote)), acl_ipv4(ip4("192.0.2.10")),
               dport, sport);
}

inline AclKey icmp4(Direction d, const char* remote, uint8_t type, uint8_t code) {
    return key(d, Ethertype::kIpv4, kProtoIcmp, acl_ipv4(ip4(remote)), acl_ipv4(ip4("192.0.2.10")),
               type, code);
}

inline AclKey v6(Direction d, uint8_t protocol, const char* remote, uint16_t dport = 0,
                 uint16_t sport = 0) {
    return key(d, Ethertype::kIpv6, protocol, ip6(remote), ip6("2001:db8:ffff::10"), dport, sport);
}

// The classifier of one port with the groups `port` of `s`.
inline AclClassifier classifier(const SecurityGroupSet& s, const std::vector<std::string>& port,
                                const RemoteGroupMembers& members = {}) {
    return AclClassifier(s, port, members);
}

// "group/id" of the rule a decision names, "" for none.
inline std::string matched(const AclClassifier& c, const AclDecision& d) {
    if (d.reason != AclReason::kRule) return "";
    return c.rules()[d.rule].group + "/" + std::to_string(c.rules()[d.rule].id);
}

}  // namespace vsw::acl::testing
