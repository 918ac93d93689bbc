// The operator's words for security groups, read like Neutron's CLI in OVS's KEY=VALUE form and
// parsed strictly (every refusal says which word and why):
//
//   vswctl acl group-add GROUP              a group with Neutron's two egress allow-all rules
//   vswctl acl group-del GROUP
//   vswctl acl rule-add GROUP KEY=VALUE...  prints the new rule's id
//   vswctl acl rule-del GROUP RULE-ID
//   vswctl acl show [GROUP]
//
// A rule's keys (any order, each at most once; only direction is required):
//
//   direction=ingress|egress       ingress: to the guest; egress: from it
//   ethertype=ipv4|ipv6            default ipv4
//   protocol=tcp|udp|icmp|icmpv6|sctp|dccp|udplite|any|0-255    default any
//   port=P | port=MIN-MAX          destination ports, for tcp, udp, sctp, dccp, udplite
//   icmp-type=0-255 [icmp-code=0-255]   for icmp (ipv4) and icmpv6 (ipv6)
//   remote=PREFIX                  10.0.0.0/8, 2001:db8::/32, an address (/32, /128)
//   remote-group=GROUP             the addresses of that group's member ports
//   action=allow|deny              default allow (Neutron's only action)
//   priority=0-65535               lower first; default 65535 (Neutron's rules, after all others)
//
// Words that mean "anything" are stored as absent (protocol=any, port=0-65535, remote=0.0.0.0/0
// and ::/0), so that one rule has one form, and a rule's settings print it back in that form.
// Pure: no DPDK.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "acl/security_group.h"

namespace vsw::acl {

using Settings = std::vector<std::pair<std::string, std::string>>;

// The words of each field.
const char* direction_name(Direction d);  // "ingress", "egress"
const char* ethertype_name(Ethertype e);  // "ipv4", "ipv6"
const char* action_name(Action a);        // "allow", "deny"
// "tcp", "udp", ... for the protocols with a name, else the number.
std::string protocol_name(uint8_t protocol);
// "10.0.0.0/8", "2001:db8::/32".
std::string format_prefix(const IpPrefix& p);
// An address or prefix of either family, host bits zero. "" or the error.
std::string parse_prefix(const std::string& s, IpPrefix& out);

// Reads a rule from its settings (as `rule-add` and the state file give them): each key known and
// given once, each value well-formed, the whole valid (validate_rule). `out.id` is left 0. "" or
// the error, with `out` untouched.
std::string parse_rule(const Settings& settings, SecurityRule& out);
// The settings that give back `r` (its id aside): direction and ethertype, then what is present.
Settings rule_settings(const SecurityRule& r);
// The same as one line of KEY=VALUE words, as `acl show` prints and `rule-add` takes them.
std::string rule_words(const SecurityRule& r);

// The verbs of `vswctl acl`.
enum class AclVerb : uint8_t { kGroupAdd, kGroupDel, kRuleAdd, kRuleDel, kShow };

// One `vswctl acl ...` command, read.
struct AclCommand {
    AclVerb verb = AclVerb::kShow;  // what to do
    std::string group{};            // the group named (show: "" for all)
    SecurityRule rule{};            // rule-add: the rule (id 0 until added)
    uint32_t rule_id = 0;           // rule-del: the rule's id
};

// Reads the words after `acl` (`rule-add web direction=ingress ...`). "" or the error.
std::string parse_acl_command(const std::vector<std::string>& words, AclCommand& out);

}  // namespace vsw::acl
