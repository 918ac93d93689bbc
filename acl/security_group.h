// Security groups as OpenStack Neutron models them: a group is a named set of rules, each rule
// allowing (Neutron's only action) or, as an operator's extra, denying one direction's traffic
// of one IP family by protocol, destination port range or ICMP type and code, and remote
// address (a prefix, or the addresses of a remote group's member ports). Rule ids are stable:
// a counter per group that never goes back. A new group gets Neutron's two default rules
// (egress to anywhere, IPv4 and IPv6). Pure: no DPDK; the operator's words for all of it are
// acl_syntax.h, the switch's set of groups is security_group_set.h, the datapath's compiled
// form is acl_classifier.h.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/ipv6.h"

namespace vsw::acl {

// Relative to the port, as Neutron's: ingress is traffic to the guest, egress from it.
enum class Direction : uint8_t { kIngress, kEgress };
enum class Ethertype : uint8_t { kIpv4, kIpv6 };
enum class Action : uint8_t { kAllow, kDeny };

// IP protocol numbers the rules name (IPv6: the upper-layer protocol, after extension headers).
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoDccp = 33;
constexpr uint8_t kProtoIcmpv6 = 58;
constexpr uint8_t kProtoSctp = 132;
constexpr uint8_t kProtoUdplite = 136;

// Whether a protocol's rules may name ports (Neutron: tcp, udp, dccp, sctp, udplite: the first
// four bytes of their headers are the two ports) or an ICMP type and code.
bool has_ports(uint8_t protocol);
bool is_icmp(uint8_t protocol);

// Bounds: a group's rules, the switch's groups, the groups one port may have.
constexpr unsigned kMaxRulesPerGroup = 1000;
constexpr unsigned kMaxGroups = 256;
constexpr unsigned kMaxGroupsPerPort = 16;
constexpr size_t kMaxGroupNameLength = 64;
// Rules without a priority (all of Neutron's) are at the lowest, after every other.
constexpr uint16_t kLowestPriority = 65535;

// An IPv4 or IPv6 prefix. The address is in network byte order; an IPv4 one fills the first
// four bytes (the rest zero). Bits past the length are zero (parsing refuses others).
struct IpPrefix {
    Ethertype family = Ethertype::kIpv4;  // which of the two
    Ipv6Address addr{};                   // the network address
    uint8_t len = 0;                      // 0-32 (IPv4) or 0-128 (IPv6)

    bool operator==(const IpPrefix&) const = default;
};

// An IPv4 address (host byte order, as core/ipv4.h's) or IPv6 address as a full-length prefix.
IpPrefix ipv4_host(uint32_t ip);
IpPrefix ipv6_host(const Ipv6Address& ip);
// `p` with the bits past its length cleared.
IpPrefix network_of(IpPrefix p);

// A destination port range, both ends included.
struct PortRange {
    uint16_t min = 0;  // first port
    uint16_t max = 0;  // last port (>= min)

    bool operator==(const PortRange&) const = default;
};

// One rule. Absent fields match anything; the combination is checked by validate_rule.
struct SecurityRule {
    uint32_t id = 0;  // stable within its group (1, 2, ...; given when added, never reused)
    Direction direction = Direction::kIngress;  // to or from the guest
    Ethertype ethertype = Ethertype::kIpv4;     // IP family
    std::optional<uint8_t> protocol{};          // IP protocol; absent: any
    std::optional<PortRange> ports{};           // destination ports (has_ports); absent: all
    std::optional<uint8_t> icmp_type{};         // ICMP or ICMPv6 type; absent: any
    std::optional<uint8_t> icmp_code{};         // its code (needs icmp_type); absent: any
    // The remote end (the source of ingress, the destination of egress): a prefix of the rule's
    // family, or a group's member addresses; neither: anywhere (a /0 is stored as absent).
    std::optional<IpPrefix> remote_prefix{};
    std::string remote_group{};           // a group's name, or "" for none
    Action action = Action::kAllow;       // Neutron's rules allow; deny is the operator's extra
    uint16_t priority = kLowestPriority;  // lower first; ties: deny before allow, then order

    bool operator==(const SecurityRule&) const = default;
    // Same match and action, whatever the ids (Neutron refuses such a rule twice).
    bool same_as(const SecurityRule& o) const;
};

// A named set of rules, in the order of their ids.
struct SecurityGroup {
    std::string name{};               // unique on the switch (validate_group_name)
    std::vector<SecurityRule> rules;  // at most kMaxRulesPerGroup, ids ascending
    uint32_t next_rule_id = 1;        // the id the next rule added gets

    bool operator==(const SecurityGroup&) const = default;
};

// A new group with Neutron's defaults: egress to anywhere, IPv4 (rule 1) and IPv6 (rule 2).
SecurityGroup make_security_group(const std::string& name);

// "" or why `name` cannot name a group: 1 to 64 of [A-Za-z0-9_.-], and not "none" (the port
// setting's word for no groups).
std::string validate_group_name(const std::string& name);

// "" or why the fields of `r` do not go together (ports on a protocol without, a code without
// its type, a remote prefix of the other family, both remotes, a bad remote group name).
std::string validate_rule(const SecurityRule& r);

// Adds `r` (validated) to `g` with the next id, which `id` (if given) receives. "" or the error:
// invalid, a rule like it is there already (its id named), or the group is full.
std::string add_rule(SecurityGroup& g, SecurityRule r, uint32_t* id = nullptr);
// Removes rule `id`. "" or the error (no such rule).
std::string delete_rule(SecurityGroup& g, uint32_t id);
// The rule with that id, or null.
const SecurityRule* find_rule(const SecurityGroup& g, uint32_t id);

// The state file's form: a rule is {"id": N, KEY: VALUE...} with the settings of
// rule_settings (acl_syntax.h) as strings; a group is {"name", "next-rule-id", "rules"}.
// The readers check all that the operator's commands check, and throw std::invalid_argument.
nlohmann::json to_json(const SecurityRule& r);
nlohmann::json to_json(const SecurityGroup& g);
SecurityRule security_rule_from_json(const nlohmann::json& j);
SecurityGroup security_group_from_json(const nlohmann::json& j);

}  // namespace vsw::acl
