// A libvirt nwfilter tree (the filter an interface names, the filters it references, their
// rules) translated into what vsw enforces: port security settings for the anti-spoofing parts
// and security group rules (acl/security_group.h) for the IP-level rules, or a refusal when vsw
// cannot enforce the tree faithfully (the port then stays down: fail closed). Pure: filters are
// fetched through a lookup function (libvirt's virNWFilterLookupByName + GetXMLDesc in the
// agent, a map in tests); no libvirt connection, no DPDK.
//
// What libvirt does, and what vsw does with it:
//
// Variables. The interface's parameters are the root scope: MAC is always the interface's MAC
// (MAC parameters add to it), IP may repeat. A <filterref>'s
// <parameter>s are defaults for the referenced filter: libvirt copies them first and the
// inherited variables over them, so an inherited value wins. A rule that names a variable with
// several values is instantiated once per combination of values (libvirt's behaviour without
// iterators). An unknown variable is refused (libvirt refuses to start the guest); so is $IP in
// a translated rule when no IP parameter is given (libvirt learns it at run time; vsw cannot).
// Iterators ($V[@1]) are refused by the parser.
//
// The standard anti-spoofing filters are recognised by name when referenced (their XML is
// still looked up and must parse, as libvirt needs it, but their rules are not translated):
//   no-mac-spoofing, no-arp-mac-spoofing          port security locks the source MAC
//   no-ip-spoofing, no-arp-ip-spoofing,
//   no-arp-spoofing                               ... and the source IPs (IP, else
//                                                 CTRL_IP_LEARNING: any and dhcp ->
//                                                 allowed-ips=dhcp, none -> none)
//   qemu-announce-self, qemu-announce-self-rarp   locks the MAC; RARP may leave the guest
//   no-other-rarp-traffic                         nothing (RARP: see below)
//   allow-dhcp, allow-dhcpv6                      nothing: vsw's ACL lets DHCP client
//   allow-dhcp-server, allow-dhcpv6-server        traffic through always (DHCPSERVER: noted,
//                                                 not enforced)
// vsw checks the source MAC whenever port security is on, so any of them locks the MAC.
// Everything else (clean-traffic itself, allow-incoming-ipv4, no-other-l2-traffic, ...) is
// translated from its rules.
//
// Order. libvirt has two layers, both of which must accept a frame: ebtables (rules with no
// protocol element, mac, arp, rarp, ip, ipv6 elements; stateless) and iptables (tcp, udp, sctp,
// udplite, esp, ah, icmp, igmp, all and the -ipv6 variants, icmpv6; stateful: an accept rule
// also accepts the connection's replies at its position). In ebtables a filter's rules live in
// its chain; the root chain holds its own rules and a jump to every other chain at the chain's
// priority; rules are sorted by priority within their chain. vsw sorts by (priority in the root
// chain, root rules before chains at the same priority, chain, rule priority, instantiation
// order), instantiation being depth-first document order. iptables rules are sorted by rule
// priority, then instantiation order. The first rule that matches decides; 'continue' rules
// have no effect (skipped with a note); 'return' outside the recognised filters is refused
// (vsw has one flat list). No rule matched: libvirt accepts.
//
// vsw has one list per direction and IP family, consulted for a connection's first packet only
// (connection tracking passes the rest and the replies). The two layers are combined per
// direction and family when one of them decides nothing (accepts everything, or drops
// everything); when both have real rules for the same direction and family, it is refused. The
// list is cut after its first unconditional rule. When it does not end in an unconditional
// drop, an allow-all rule at the lowest priority stands for libvirt's default accept. When every
// list accepts everything and nothing needs vsw's ACL, no rules are produced (no ACL at all).
//
// Rules: direction in -> ingress, out -> egress, inout -> both; accept -> allow, drop and reject
// -> deny (reject sends nothing back in vsw: noted). The remote side is the source of ingress
// and the destination of egress; a match on the guest's own side (dstip of in, srcip of out) is
// refused, as are source ports (vsw matches destination ports only), IP ranges (srcipfrom...),
// dscp, tcp flags, ipset, connlimit-above, MAC matches in IP rules, match='no'. Each rule gets
// its own priority (1, 2, ... in decision order) so that vsw's tie rule (deny before allow) never
// reorders them.
//
// State. accept with state NEW (or no state) is an allow; accept on ESTABLISHED/RELATED only
// is redundant under connection tracking (skipped with a note); INVALID/NONE are refused. A drop
// with state NEW only is a deny; a drop with no state also drops established traffic, which
// vsw's connection tracking would let through: when such a drop could match the replies of a
// connection some rule (or libvirt's default) accepts the other way, and libvirt would reach the
// drop first, it is refused. Replies to multicast are impossible (sources are never multicast),
// so drops of multicast destinations never conflict.
//
// Frames that are not IP. vsw's ACL always lets ARP and RARP through and drops other ethertypes
// once a port has security groups. So: a tree in which libvirt would drop ARP in some direction
// is refused; RARP that libvirt would drop is noted (it is QEMU's announcement, harmless); an
// egress catch-all drop (a rule with no protocol element in the root or mac chain) makes
// allowed-ethertypes the ethertypes accepted before it (ipv4 and ipv6 when IP may leave, arp,
// rarp, mac protocolid=N); an ingress one turns the ACL on so that vsw drops other ethertypes
// towards the guest too. vsw passes DHCP client traffic and IPv6 neighbour discovery whatever
// the rules say (noted when the tree would drop them).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "acl/security_group.h"
#include "src/libvirt/domain_xml.h"

namespace vsw::libvirt {

// A filter's XML by name, or nullopt when libvirt has no such filter.
using FilterLookup = std::function<std::optional<std::string>(const std::string& name)>;

struct NwTranslation {
    Settings settings{};                     // port security settings, in the order to apply
    std::vector<acl::SecurityRule> rules{};  // decision order, priorities ascending; empty: no ACL
    std::string refusal{};                   // not "": keep the port down, for this reason
    std::vector<std::string> notes{};        // what differs or was skipped, for the log
};

// Bounds: filterref nesting, filters instantiated, rule instances.
inline constexpr unsigned kMaxNwFilterDepth = 16;
inline constexpr unsigned kMaxNwFilterInstances = 256;
inline constexpr unsigned kMaxNwRuleInstances = 4096;

// Translates the tree `filter` names (its parameters are the interface's) for the interface
// with MAC `mac`.
NwTranslation translate_nwfilter(const FilterRef& filter, const std::string& mac,
                                 const FilterLookup& lookup);

}  // namespace vsw::libvirt
