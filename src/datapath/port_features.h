// What each port is to the datapath and which optional stages run for it, decided once per
// snapshot by the control thread (publish) and read once per burst by the workers: one role
// decision at the top of decide(), one bit test per optional stage, so a port pays only for
// what it uses.
#pragma once

#include <cstdint>

namespace vsw {

// A port's part in forwarding.
enum class PortRole : uint8_t {
    kSwitching,   // an ordinary port: classify, learn, switch
    kSpanOutput,  // a SPAN session's output: carries mirrored frames only, drops what it receives
    kUnderlay,    // the VTEP port: VXLAN to the VTEP address and ARP only, never flooded to
    kBondMember,  // a member of a bond: what it receives is the bond's, it sends the bond's share
};

// The feature word: one bit per optional per-port behaviour.
namespace port_feature {
inline constexpr uint32_t kForwardBpdu = 1u << 0;   // forward-bpdu=on: reserved groups pass
inline constexpr uint32_t kArpWatch = 1u << 1;      // ARP replies go up (ERSPAN next hops)
inline constexpr uint32_t kSflow = 1u << 2;         // sFlow samples what the port receives
inline constexpr uint32_t kPuntReserved = 1u << 3;  // reserved group frames go up (LACP, CFM)
// A guest that may send large frames and partial checksums (a vhost port with offloads=on): its
// bursts are checked for offload requests. Without it the guest cannot have negotiated them
// (vswd withholds them from its socket), so the check is skipped; the MTU holds either way.
inline constexpr uint32_t kGuestOffloads = 1u << 4;
inline constexpr uint32_t kMacLimit = 1u << 5;      // mac-limit: learning stops at the limit
inline constexpr uint32_t kStormControl = 1u << 6;  // flood-rate: its floods are metered
inline constexpr uint32_t kPortSecurity = 1u << 7;  // port-security=on: the guest's sources
inline constexpr uint32_t kCfm = 1u << 8;           // a CFM MEP: its level's frames go up
inline constexpr uint32_t kAcl = 1u << 9;           // security groups: both ways, tracked
}  // namespace port_feature

}  // namespace vsw
