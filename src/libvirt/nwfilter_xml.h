// One libvirt nwfilter document (<filter name=... chain=... priority=...>) read strictly into its
// parts: the filter's chain and priority, and its <rule>s and <filterref>s in document order.
// Values are kept as written ("$IP" stays a variable reference): binding variables and what the
// rules mean for vsw is nwfilter_translate.h's job. Pure parsing (libxml2, as domain_xml.cpp):
// no libvirt connection, unit-tested and fuzzed on its own.
//
// What is checked here, as libvirt's own parser does: the root element, a filter name, a known
// chain (root, mac, stp, vlan, arp, rarp, ipv4, ipv6, or one of those but root followed by '-'
// and a suffix, as "arp-xyz"), priorities within -1000..1000, each rule's action and direction,
// at most one protocol element per rule and each of its attributes known for that element.
// Variable references must be $NAME ([A-Za-z_][A-Za-z0-9_]*); libvirt's iterators ($NAME[@1])
// and indexes ($NAME[2]) are refused as unsupported. Every refusal says where and why.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace vsw::libvirt {

enum class NwAction { kAccept, kDrop, kReject, kReturn, kContinue };
enum class NwDirection { kIn, kOut, kInOut };  // in: to the guest; out: from it

const char* nw_action_name(NwAction a);
const char* nw_direction_name(NwDirection d);

// A rule's protocol element (<tcp dstportstart='22'/>): its name and attributes as written.
struct NwMatch {
    std::string protocol;                                         // "tcp", "mac", "icmpv6", ...
    std::vector<std::pair<std::string, std::string>> attributes;  // in document order
};

struct NwRule {
    unsigned index = 0;  // 1-based among the filter's rules, to name it in messages
    NwAction action = NwAction::kAccept;
    NwDirection direction = NwDirection::kInOut;
    int priority = 500;              // -1000..1000, libvirt's default 500
    bool statematch = true;          // statematch='false' turns iptables' state matching off
    std::optional<NwMatch> match{};  // none: every frame of the filter's chain
};

// <filterref filter=NAME> with its <parameter name= value=/>s (a name may repeat).
struct NwFilterRef {
    std::string filter;
    std::vector<std::pair<std::string, std::string>> parameters;
};

using NwEntry = std::variant<NwRule, NwFilterRef>;

struct NwFilter {
    std::string name;
    std::string chain = "root";
    int priority = 0;              // the chain's priority (the chain's default when not given)
    std::vector<NwEntry> entries;  // rules and filterrefs, in document order
};

// Bounds: the document, the entries of one filter, the parameters of one filterref.
inline constexpr size_t kMaxNwFilterXmlBytes = 1u << 20;
inline constexpr unsigned kMaxNwFilterEntries = 1024;
inline constexpr unsigned kMaxNwFilterParameters = 64;

// The default priority of a chain (libvirt's table: stp -810, mac -800, vlan -750, ipv4 -700,
// ipv6 -600, arp -500, rarp -400; root and others 0), by the chain's base name.
int nw_chain_default_priority(const std::string& chain);

// "" if `value` is no variable reference or a plain $NAME (its name then in `name`, if given);
// otherwise why it cannot be used (an iterator, an index, a malformed name).
std::string nw_variable(const std::string& value, std::string* name = nullptr);

// Parses one filter document. nullopt with `error` set when it is not a valid filter.
std::optional<NwFilter> parse_nwfilter(std::string_view xml, std::string& error);

}  // namespace vsw::libvirt
