// Per-port VLAN handling with Open vSwitch's semantics:
//
//   access           untagged frames, all in VLAN `tag`; tagged frames (other than priority
//                    tags, VID 0) are dropped on ingress; egress is untagged.
//   trunk            tagged frames of the VLANs in `trunks` (all if empty); untagged frames are
//                    in VLAN 0 (accepted if 0 is trunked); egress tagged, except VLAN 0.
//   native-tagged    a trunk whose untagged frames are in the native VLAN `tag`; egress tagged.
//   native-untagged  the same, but frames of the native VLAN leave untagged.
//
// Priority bits (PCP) travel with the frame: they are read from its tag (priority tags too)
// and written into any tag vsw adds. Pure logic over bytes: unit-tested without DPDK.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

#include "telemetry/drop_reasons.h"

namespace vsw {

constexpr uint16_t kEtherTypeVlan = 0x8100;  // 802.1Q C-tag
constexpr uint16_t kEtherTypeQinQ = 0x88a8;  // 802.1ad S-tag
constexpr uint16_t kMaxVlan = 4095;

enum class VlanMode { kTrunk, kAccess, kNativeTagged, kNativeUntagged };

const char* vlan_mode_name(VlanMode m);
std::optional<VlanMode> vlan_mode_from_name(const std::string& s);

using VlanSet = std::bitset<kMaxVlan + 1>;

// "10,20-30" -> the set; nullopt (and `error`) for anything else. Empty string: empty set.
std::optional<VlanSet> parse_vlan_list(const std::string& s, std::string& error);
// The set as "10,20-30" (ranges merged); "" for an empty set.
std::string format_vlan_list(const VlanSet& set);

// What the datapath needs of a port's VLAN configuration; immutable once published.
struct PortVlan {
    VlanMode mode = VlanMode::kTrunk;  // how the port treats tags
    uint16_t tag = 0;                  // access VLAN, or native VLAN of the native modes
    VlanSet members;                   // VLANs the port carries, both directions

    // Builds the membership set from mode, tag and trunks (empty trunks: every VLAN).
    static PortVlan make(VlanMode mode, uint16_t tag, const VlanSet& trunks);
    bool carries(uint16_t vlan) const { return members.test(vlan & kMaxVlan); }
};

// The VLAN view of one received frame.
struct FrameVlan {
    uint16_t vlan = 0;        // VLAN the frame belongs to inside the switch
    uint8_t pcp = 0;          // priority bits, from the frame's tag if it had one
    bool tagged = false;      // the frame carries an 802.1Q header (maybe a priority tag)
    uint16_t header_vid = 0;  // VID in that header
};

// Reads the frame's tag (`frame` has `len` bytes in its first segment, at least 14) and decides
// its VLAN on ingress through `port`. nullopt with `drop` set when the frame must be dropped.
std::optional<FrameVlan> classify_tagged(const PortVlan& port, const uint8_t* frame, uint32_t len,
                                         telemetry::DropReason& drop);

inline std::optional<FrameVlan> classify_ingress(const PortVlan& port, const uint8_t* frame, uint32_t len,
                                                 telemetry::DropReason& drop) {
    // Fast path, inlined into the datapath: an untagged frame (first byte of the EtherType is
    // neither 0x81 nor 0x88 is enough to rule out both tag types) on a port whose untagged VLAN
    // is carried.
    if (frame[12] != 0x81 && frame[12] != 0x88) {
        FrameVlan f;
        f.vlan = port.mode == VlanMode::kTrunk ? 0 : port.tag;
        if (port.carries(f.vlan)) return f;
    }
    return classify_tagged(port, frame, len, drop);
}

// How a frame must look leaving through `port`.
enum class EgressAction : uint8_t {
    kAsIs,    // headers already right
    kStrip,   // remove the 802.1Q header
    kPush,    // insert an 802.1Q header (VID = vlan, PCP kept)
    kSetVid,  // rewrite the VID of the existing header (a priority tag becoming a real one)
};

// Assumes the port carries f.vlan.
EgressAction egress_action(const PortVlan& port, const FrameVlan& f);

// 802.1Q TCI from priority and VLAN.
inline uint16_t make_tci(uint8_t pcp, uint16_t vlan) { return static_cast<uint16_t>((pcp & 7) << 13 | (vlan & kMaxVlan)); }

}  // namespace vsw
