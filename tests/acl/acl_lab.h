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

// The ports the ACL benchmarks measure (acl_classifier_bench.cpp; acl_rte_bench.cpp against
// DPDK's rte_acl): a port's groups, the members of the remote groups they name, and a mix of
// first packets for it.
struct BenchPort {
    SecurityGroupSet groups{};
    std::vector<std::string> port{};  // the port's groups, in its order
    RemoteGroupMembers members{};
    std::vector<AclKey> keys{};  // first packets
};

inline std::string bench_num(unsigned i) {
    return std::to_string(i);
}

// A cloud port: Neutron's defaults, a web tier's rules, an operator's denies, IPv6 (20 rules),
// and 12 first packets: allowed, denied, both directions, IPv4 and IPv6, DHCP.
inline BenchPort bench_cloud_port() {
    constexpr auto kIn = Direction::kIngress;
    constexpr auto kOut = Direction::kEgress;
    BenchPort p;
    SecurityGroupSet& s = p.groups;
    add_group(s, "web");
    add_group(s, "ops");
    for (const char* r :
         {"direction=ingress protocol=tcp port=22 remote=10.0.0.0/8",
          "direction=ingress protocol=tcp port=80", "direction=ingress protocol=tcp port=443",
          "direction=ingress protocol=tcp port=8000-8080 remote=192.168.0.0/16",
          "direction=ingress protocol=icmp icmp-type=8",
          "direction=ingress protocol=icmp icmp-type=3 icmp-code=4",
          "direction=ingress protocol=udp port=53 remote-group=web",
          "direction=ingress protocol=tcp port=5432 remote-group=web",
          "direction=ingress ethertype=ipv6 protocol=tcp port=22 remote=2001:db8::/32",
          "direction=ingress ethertype=ipv6 protocol=tcp port=443",
          "direction=ingress ethertype=ipv6 protocol=icmpv6 icmp-type=128"}) {
        add_group_rule(s, "web", rule(r));
    }
    for (const char* r :
         {"direction=ingress remote=10.66.0.0/16 action=deny priority=10",
          "direction=egress protocol=tcp port=25 action=deny priority=10",
          "direction=ingress protocol=tcp port=22 remote=10.1.2.3 priority=5",
          "direction=ingress ethertype=ipv6 remote=2001:db8:bad::/48 action=deny priority=10",
          "direction=ingress protocol=udp port=161 remote=10.0.5.0/24"}) {
        add_group_rule(s, "ops", rule(r));
    }
    p.port = {"web", "ops"};
    for (unsigned i = 1; i <= 50; ++i)
        p.members["web"].push_back(ipv4_host(0x0a000a00 + i));  // 10.0.10.x
    p.keys = {
        tcp4_in("10.1.1.1", 22),                 // allowed
        tcp4_in("198.51.100.7", 443),            // allowed
        tcp4_in("198.51.100.7", 3389),           // denied: no rule
        tcp4_in("10.66.1.1", 80),                // denied first
        udp4(kIn, "10.0.10.17", 53),             // remote group
        icmp4(kIn, "203.0.113.1", 8, 0),         // echo
        udp4(kOut, "198.51.100.7", 443),         // egress allow-all
        v6(kIn, kProtoTcp, "2001:db8::99", 22),  // IPv6 allowed
        v6(kIn, kProtoTcp, "2001:db9::99", 22),  // IPv6 denied
        v6(kIn, kProtoIcmpv6, "fe80::1", 135),   // neighbour solicitation
        udp4(kOut, "255.255.255.255", 67, 68),   // DHCP
        key(kOut, Ethertype::kIpv4, kProtoTcp, acl_ipv4(1), acl_ipv4(2), 25),  // denied out
    };
    return p;
}

// 1000 rules (998 and the 2 defaults), each its own TCP port and /24; keys allowed and denied.
inline BenchPort bench_distinct_ports() {
    const auto n = bench_num;
    BenchPort p;
    add_group(p.groups, "many");
    for (unsigned i = 0; i < 998; ++i)
        add_group_rule(p.groups, "many",
                       rule("direction=ingress protocol=tcp port=" + n(1000 + i) + " remote=10." +
                            n(i / 250) + "." + n(i % 250) + ".0/24"));
    p.port = {"many"};
    for (unsigned i = 0; i < 998; i += 83) {
        const std::string from = "10." + n(i / 250) + "." + n(i % 250) + ".9";
        p.keys.push_back(tcp4_in(from.c_str(), static_cast<uint16_t>(1000 + i)));  // allowed
        p.keys.push_back(tcp4_in("192.0.2.1", static_cast<uint16_t>(1000 + i)));   // denied
    }
    p.keys.push_back(udp4(Direction::kEgress, "198.51.100.7", 53));
    return p;
}

// 1000 rules for one port, each from its own prefix (/24s and /32s): prefix tables.
inline BenchPort bench_one_port_prefixes() {
    const auto n = bench_num;
    BenchPort p;
    add_group(p.groups, "ssh");
    for (unsigned i = 0; i < 998; ++i)
        add_group_rule(p.groups, "ssh",
                       rule("direction=ingress protocol=tcp port=22 remote=" +
                            (i % 2 ? "172.16." + n(i / 250) + "." + n(i % 250)
                                   : "10." + n(i / 250) + "." + n(i % 250) + ".0/24")));
    p.port = {"ssh"};
    for (unsigned i = 0; i < 998; i += 83) {
        const std::string a = i % 2 ? "172.16." + n(i / 250) + "." + n(i % 250)
                                    : "10." + n(i / 250) + "." + n(i % 250) + ".9";
        p.keys.push_back(tcp4_in(a.c_str(), 22));
        p.keys.push_back(tcp4_in("192.0.2.1", 22));
    }
    return p;
}

// 1000 rules with nested UDP port ranges, each from its own /24.
inline BenchPort bench_nested_ranges() {
    const auto n = bench_num;
    BenchPort p;
    add_group(p.groups, "nested");
    for (unsigned i = 0; i < 998; ++i)
        add_group_rule(p.groups, "nested",
                       rule("direction=ingress protocol=udp port=" + n(1000 + i) + "-" +
                            n(3000 - i) + " remote=10." + n(i / 250) + "." + n(i % 250) + ".0/24"));
    p.port = {"nested"};
    for (unsigned i = 0; i < 998; i += 83) {
        const std::string from = "10." + n(i / 250) + "." + n(i % 250) + ".9";
        p.keys.push_back(udp4(Direction::kIngress, from.c_str(), 2000));
        p.keys.push_back(udp4(Direction::kIngress, "192.0.2.1", 2000));
    }
    return p;
}

// The worst case: 1000 nested port ranges from anywhere, and packets that none matches.
inline BenchPort bench_nested_no_match() {
    const auto n = bench_num;
    BenchPort p;
    add_group(p.groups, "worst");
    for (unsigned i = 0; i < 998; ++i)
        add_group_rule(
            p.groups, "worst",
            rule("direction=ingress protocol=udp port=" + n(1000 + i) + "-" + n(3000 - i)));
    p.port = {"worst"};
    p.keys = {udp4(Direction::kIngress, "192.0.2.1", 999),
              udp4(Direction::kIngress, "192.0.2.1", 3001)};
    return p;
}

}  // namespace vsw::acl::testing
