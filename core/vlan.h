// 802.1Q vocabulary shared by every stage: VLAN ids and sets, the port VLAN modes (Open vSwitch's
// semantics, applied by src/datapath/vlan_stage.h), and the VLAN view of a received frame.
//
//   access           untagged frames, all in VLAN `tag`; tagged frames (other than priority
//                    tags, VID 0) are dropped on ingress; egress is untagged.
//   trunk            tagged frames of the VLANs in `trunks` (all if empty); untagged frames are
//                    in VLAN 0 (accepted if 0 is trunked); egress tagged, except VLAN 0.
//   native-tagged    a trunk whose untagged frames are in the native VLAN `tag`; egress tagged.
//   native-untagged  the same, but frames of the native VLAN leave untagged.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

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

// The VLAN view of one received frame.
struct FrameVlan {
    uint16_t vlan = 0;        // VLAN the frame belongs to inside the switch
    uint8_t pcp = 0;          // priority bits, from the frame's tag if it had one
    bool tagged = false;      // the frame carries an 802.1Q header (maybe a priority tag)
    uint16_t header_vid = 0;  // VID in that header
};

// 802.1Q TCI from priority and VLAN.
inline uint16_t make_tci(uint8_t pcp, uint16_t vlan) {
    return static_cast<uint16_t>((pcp & 7) << 13 | (vlan & kMaxVlan));
}

}  // namespace vsw
