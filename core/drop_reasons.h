// Why a frame was dropped. One X-macro list yields both the enum and the names shown by vswctl,
// so a new reason cannot be counted without also being reported.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace vsw {

//  X(enumerator, name, side, description)
//  side: where it is counted: "rx" = on the ingress port, "tx" = on the egress port.
//  (The side is documentation: one counter per reason and port.)
#define VSW_DROP_REASONS(X)                                                                        \
    X(kMalformed, "malformed", "rx", "frame shorter than an Ethernet header")                      \
    X(kInvalidSrcMac, "invalid_src_mac", "rx", "source MAC is multicast or broadcast")             \
    X(kReservedMulticast, "reserved_multicast", "rx",                                              \
      "to a reserved group address 01:80:C2:00:00:0X (STP, LACP, LLDP, 802.1X, pause): "           \
      "link-local, never forwarded but on a port with forward-bpdu=on")                            \
    X(kBadVlanTag, "bad_vlan_tag", "rx", "truncated 802.1Q tag, VID 4095, or stacked tags")        \
    X(kVlanNotAllowed, "vlan_not_allowed", "rx", "the frame's VLAN is not carried by the port")    \
    X(kSamePort, "same_port", "rx", "destination was learned on the ingress port")                 \
    X(kNoDestination, "no_destination", "rx", "flooded, but no other port is up")                  \
    X(kNoMbufs, "no_mbufs", "rx", "mbuf pool exhausted while receiving (ethdev rx_nombuf)")        \
    X(kPortDown, "port_down", "tx", "egress port down, disconnected or administratively down")     \
    X(kTxFull, "tx_full", "tx", "egress ring or queue full")                                       \
    X(kQueueFull, "queue_full", "tx", "guest-RX shaping queue over its rx-limit")                  \
    X(kPoliced, "policed", "tx", "over rx-rate with rx-mode=police")                               \
    X(kMirrorOutput, "mirror_output", "rx",                                                        \
      "received on a SPAN output port, which carries mirrored frames only")                        \
    X(kBadOffload, "bad_offload", "rx",                                                            \
      "a guest's offload request that its frame does not bear out (TSO of a non-TCP frame, a "     \
      "fragment, lengths, a segment size outside the MTU, more than 64 segments)")                 \
    X(kOverMtu, "over_mtu", "rx/tx",                                                               \
      "larger than the port's mtu= (received without a TSO request, or sent to a port with a "     \
      "smaller MTU that cannot take it as segments)")                                              \
    X(kUnderlayOther, "underlay_other", "rx",                                                      \
      "received on the VTEP port, but neither VXLAN to its address nor ARP")                       \
    X(kVxlanMalformed, "vxlan_malformed", "rx",                                                    \
      "VXLAN to the VTEP with wrong lengths, IPv4 checksum or flags, or a fragment")               \
    X(kVxlanUnknownVni, "vxlan_unknown_vni", "rx", "VXLAN with a VNI no VLAN is mapped to")        \
    X(kVxlanUnknownVtep, "vxlan_unknown_vtep", "rx",                                               \
      "VXLAN from a VTEP the control plane did not announce for that VNI")                         \
    X(kVxlanInnerTagged, "vxlan_inner_tagged", "rx",                                               \
      "decapsulated frame carries an 802.1Q tag or is shorter than an Ethernet header")            \
    X(kVxlanLoop, "vxlan_loop", "rx",                                                              \
      "decapsulated frame for a MAC behind another VTEP: never sent back to the overlay")          \
    X(kVxlanOverMtu, "vxlan_over_mtu", "tx",                                                       \
      "frame + 50 bytes of VXLAN larger than the VTEP port's mtu=")                                \
    X(kVxlanUnresolved, "vxlan_unresolved", "tx",                                                  \
      "the remote VTEP's next hop MAC is not known yet (ARP pending) or it has no route")          \
    X(kMacLimit, "mac_limit", "rx",                                                                \
      "from a new source MAC on a port that already has its mac-limit of learned MACs")            \
    X(kStorm, "storm", "rx",                                                                       \
      "broadcast, multicast or unknown unicast over the port's flood-rate (storm control)")        \
    X(kMacPinned, "mac_pinned", "rx",                                                              \
      "from a MAC pinned to another port (one of its allowed-macs with port-security=on)")         \
    X(kSpoofedMac, "spoofed_mac", "rx", "port-security: source MAC not in allowed-macs")           \
    X(kSpoofedIp, "spoofed_ip", "rx", "port-security: IPv4 or IPv6 source not in allowed-ips")     \
    X(kSpoofedArp, "spoofed_arp", "rx", "port-security: ARP sender MAC or IP not the guest's")     \
    X(kSpoofedNd, "spoofed_nd", "rx",                                                              \
      "port-security: IPv6 ND claiming an address or link-layer address not the guest's")          \
    X(kDhcpServer, "dhcp_server", "rx",                                                            \
      "port-security: DHCP/DHCPv6 server message (UDP from 67 or 547), port not trusted=on")       \
    X(kRaGuard, "ra_guard", "rx",                                                                  \
      "port-security: IPv6 router advertisement or unreadable header chain, not trusted=on")       \
    X(kEthertypeNotAllowed, "ethertype_not_allowed", "rx", "port-security: ethertype not allowed") \
    X(kBondInactive, "bond_inactive", "rx",                                                        \
      "received on a bond member that is not collecting (LACP not in sync, carrier down)")         \
    X(kBondBackup, "bond_backup", "rx",                                                            \
      "received on a bond member other than the active one: any frame in active-backup, a "        \
      "broadcast or multicast in balance-slb (the partner switch flooding it back)")               \
    X(kBondReflected, "bond_reflected", "rx",                                                      \
      "balance-slb: from a MAC learned on another local port (our own frame sent back)")           \
    X(kAclDeny, "acl_deny", "rx/tx",                                                               \
      "security groups: a new connection no rule allows (or a deny rule), or a frame neither IP "  \
      "nor ARP, from (rx) or to (tx) a port with security groups")                                 \
    X(kCtInvalid, "ct_invalid", "rx/tx",                                                           \
      "connection tracking: out of state (a TCP ACK or RST with no connection, outside the "       \
      "window), an ICMP error about no connection, an unreadable header or an IP fragment")        \
    X(kCtFull, "ct_full", "rx/tx",                                                                 \
      "connection tracking: a new connection while the table or the port's zone is full")

enum class DropReason : unsigned {
#define VSW_X(e, name, side, desc) e,
    VSW_DROP_REASONS(VSW_X)
#undef VSW_X
};

inline constexpr std::size_t kDropReasonCount = 0
#define VSW_X(e, name, side, desc) +1
    VSW_DROP_REASONS(VSW_X)
#undef VSW_X
    ;

// Counter name of a reason ("tx_full").
std::string_view drop_reason_name(DropReason r);
// Human description of a reason.
std::string_view drop_reason_description(DropReason r);
// Whether frames dropped for this reason were being received (else sent); over_mtu, "rx/tx",
// counts as received.
bool drop_reason_is_rx(DropReason r);
// Reason for a counter name, if it is one.
std::optional<DropReason> drop_reason_from_name(std::string_view name);

}  // namespace vsw
