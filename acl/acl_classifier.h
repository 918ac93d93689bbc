// A port's security groups compiled for the datapath's decision on a NEW connection (the
// connection tracker lets the rest of a connection through; replies need no rule). Built on the
// control thread from the port's groups and the members of the remote groups they name, it is
// immutable afterwards, and a lookup reads flat arrays only: no allocation, no lock, no call
// through a pointer.
//
// The decision, as Neutron's on a port with security groups:
//   1. DHCP client traffic (UDP 68->67 out, 67->68 in; DHCPv6 546->547 out, 547->546 in) and
//      IPv6 neighbour discovery (ICMPv6 types 133-137, both ways) pass whatever the rules say;
//      ARP passes before any of this (acl_frame_class).
//   2. The rules of all the port's groups in one order: priority (lower first), deny before
//      allow at the same priority, then the port's group order and the rule ids. The first that
//      matches decides, and is named (for its counter and `acl show`).
//   3. Nothing matched: denied, both ways (egress passes only because new groups have Neutron's
//      egress allow-all rules).
//
// The compiled form. Rules are split by (direction, ethertype) and then by protocol: each
// protocol that some rule names has its list (its rules and the protocol=any ones, in the
// order above), every other protocol shares the list of the any-protocol rules. A list is cut
// into intervals of the destination port (the ICMP type for ICMP) at every rule's bounds, and
// each interval holds the rules that cover it, so a lookup binary-searches the port once and
// sees only the rules whose port range contains it. An interval's rules form runs of the same
// action. In a run, the rules whose remote is a prefix (or anywhere) are found through prefix
// tables when there are 8 or more per prefix length: one sorted array per length,
// binary-searched, each prefix holding its rules in order, of which the first whose port and
// code ranges match is taken. The rest (remote groups, and sparse lengths) are checked one by
// one (port and code ranges, a prefix as a 128-bit mask, or a remote group's set of prefixes,
// itself sorted arrays per length). The first run with a match decides. A list whose intervals
// would repeat its rules too often (nested ranges: more than 8 references per rule) keeps one
// interval, and its rules' port ranges are checked.
//
// Pure: no DPDK.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "acl/security_group.h"
#include "acl/security_group_set.h"

namespace vsw::acl {

// An address of either family as the classifier compares them: 128 bits in two host-order
// words. IPv4: hi = 0, lo = the address (host byte order, as core/ipv4.h's). IPv6: the 16
// bytes read big-endian, bytes 0-7 in hi.
struct AclAddress {
    uint64_t hi = 0;  // IPv6: the first 8 bytes; IPv4: 0
    uint64_t lo = 0;  // IPv6: the last 8 bytes; IPv4: the address

    bool operator==(const AclAddress&) const = default;
};

inline AclAddress acl_ipv4(uint32_t ip) {
    return {0, ip};
}
AclAddress acl_ipv6(const uint8_t* bytes);  // 16 bytes, network byte order
AclAddress acl_address(const IpPrefix& p);  // the prefix's address

// A connection's first packet as the classifier reads it.
struct AclKey {
    AclAddress src{};       // source address
    AclAddress dst{};       // destination address
    uint16_t dst_port = 0;  // has_ports(protocol): destination port; ICMP(v6): type; else 0
    uint16_t src_port = 0;  // has_ports(protocol): source port; ICMP(v6): code; else 0
    uint8_t protocol = 0;   // IP protocol (IPv6: the upper layer, after extension headers)
    Direction direction = Direction::kIngress;  // relative to the port: ingress is to the guest
    Ethertype ethertype = Ethertype::kIpv4;     // the family of src and dst
};

// Why a decision is what it is. X(enumerator, name): one list, the enum and the names.
#define VSW_ACL_REASONS(X)                                                   \
    X(kRule, "rule")      /* a rule matched: AclDecision::rule says which */ \
    X(kDhcp, "dhcp")      /* DHCP or DHCPv6 client traffic: always passes */ \
    X(kNeighbour, "nd")   /* IPv6 neighbour discovery: always passes */      \
    X(kNoRule, "no_rule") /* no rule of the port's groups matched: denied */

enum class AclReason : uint8_t {
#define VSW_X(e, name) e,
    VSW_ACL_REASONS(VSW_X)
#undef VSW_X
};

std::string_view acl_reason_name(AclReason r);

struct AclDecision {
    bool allow = false;                     // pass the connection's first packet (and open it)
    AclReason reason = AclReason::kNoRule;  // why
    uint32_t rule = 0;                      // kRule: the rule, an index into rules()
};

// A rule the classifier holds, for counters and `acl show`.
struct AclRuleRef {
    std::string group{};             // its group's name
    uint32_t id = 0;                 // its id in the group
    Action action = Action::kAllow;  // what it decides
};

// A remote group's name -> the prefixes port security allows on its member ports (addresses
// as /32 and /128; allowed-ips may give wider prefixes). A group missing here has no members.
using RemoteGroupMembers = std::map<std::string, std::vector<IpPrefix>>;

// What a port with security groups does with a frame before IP: ARP and RARP (QEMU's
// announcement after migration) pass, IPv4 and IPv6 go to the classifier (after the
// connection tracker), anything else is dropped (as Neutron's firewall drivers do).
enum class AclFrameClass : uint8_t { kPass, kIp, kDrop };
AclFrameClass acl_frame_class(uint16_t ethertype);

class AclClassifier {
  public:
    // The port's groups, by name in the port's order (names not in `groups` are skipped: the
    // controller checks them first), with the members of the remote groups their rules name.
    AclClassifier(const SecurityGroupSet& groups, const std::vector<std::string>& port_groups,
                  const RemoteGroupMembers& members);

    // The decision on a connection's first packet.
    AclDecision classify(const AclKey& k) const;

    // The rules, in decision order (AclDecision::rule indexes this).
    const std::vector<AclRuleRef>& rules() const { return refs_; }
    // Bytes the compiled form holds (its lookup arrays; the rule names aside).
    size_t memory_bytes() const;

  private:
    static constexpr uint32_t kNoSet = UINT32_MAX;   // an Entry whose remote is a prefix
    static constexpr uint32_t kNoRule = UINT32_MAX;  // no rule found

    // One rule compiled: its ranges, and its remote as a masked prefix or a set.
    struct Entry {
        AclAddress addr{};      // the remote prefix's address, masked
        AclAddress mask{};      // its mask (all zero: any remote)
        uint16_t a_lo = 0;      // first destination port (ICMP: type) it matches
        uint16_t a_hi = 0;      // last destination port (ICMP: type)
        uint16_t b_lo = 0;      // first source port (ICMP: code)
        uint16_t b_hi = 0;      // last source port (ICMP: code)
        uint32_t set = kNoSet;  // the remote group's set in sets_, or kNoSet: the prefix decides
    };
    // Rules of one (direction, ethertype, protocol): its intervals in starts_/intervals_.
    struct List {
        uint32_t begin = 0;  // first interval
        uint32_t end = 0;    // past the last
    };
    // The runs of the rules covering one destination port interval.
    struct Interval {
        uint32_t run_begin = 0;  // first run in runs_
        uint32_t run_end = 0;    // past the last
    };
    // Consecutive rules of one action: prefix tables and rules checked one by one.
    struct Run {
        uint32_t table_begin = 0;   // its first prefix table in tables_
        uint32_t table_end = 0;     // past its last
        uint32_t linear_begin = 0;  // its first other rule (an index of entries_) in linear_
        uint32_t linear_end = 0;    // past its last
        bool deny = false;          // the action of all its rules
    };
    // The prefixes of one length: a sorted range of prefixes_.
    struct Table {
        AclAddress mask{};   // the length's mask
        uint32_t begin = 0;  // its first prefix in prefixes_
        uint32_t end = 0;    // past its last
    };
    // A masked address, and the rules (in decision order) that have it as their remote.
    struct Prefix {
        AclAddress addr{};        // masked
        uint32_t rule_begin = 0;  // its first rule in candidates_ (sets: none)
        uint32_t rule_end = 0;    // past its last
    };
    // A remote group's members of one family: tables in tables_.
    struct Set {
        uint32_t table_begin = 0;  // its first table in tables_ (one per prefix length)
        uint32_t table_end = 0;    // past its last
    };
    struct Builder;  // acl_classifier.cpp
    // Whether the key's ports (ICMP type and code) are in the rule's ranges.
    static bool in_ranges(const Entry& e, const AclKey& k) {
        return k.dst_port >= e.a_lo && k.dst_port <= e.a_hi && k.src_port >= e.b_lo &&
               k.src_port <= e.b_hi;
    }
    // Whether the rule matches the key whose remote address is `remote`.
    bool matches(const Entry& e, const AclKey& k, const AclAddress& remote) const;
    // The prefix of `table` that holds `remote`, or null.
    const Prefix* find_prefix(const Table& table, const AclAddress& remote) const;
    // The first rule of a run's tables that matches, if before `best`; else `best`.
    uint32_t table_lookup(const Run& run, const AclKey& k, const AclAddress& remote,
                          uint32_t best) const;

    std::vector<AclRuleRef> refs_;  // per rule, in decision order
    std::vector<Entry> entries_;    // per rule, in decision order
    // [(direction * 2 + ethertype) * 256 + protocol] -> index into lists_.
    std::array<uint16_t, 4 * 256> list_of_{};
    std::vector<List> lists_;           // per (direction, ethertype, protocol) with rules
    std::vector<uint16_t> starts_;      // first port of each interval, ascending within a list
    std::vector<Interval> intervals_;   // parallel to starts_
    std::vector<Run> runs_;             // per interval, in decision order
    std::vector<uint32_t> linear_;      // rules checked one by one, ascending within a run
    std::vector<Table> tables_;         // of runs and of sets
    std::vector<Prefix> prefixes_;      // of tables, sorted by address within one
    std::vector<uint32_t> candidates_;  // the rules of each prefix, ascending
    std::vector<Set> sets_;             // remote groups' members, per (group, family)
};

}  // namespace vsw::acl
