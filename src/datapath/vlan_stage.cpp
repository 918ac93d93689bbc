#include "src/datapath/vlan_stage.h"

namespace vsw {

PortVlan PortVlan::make(VlanMode mode, uint16_t tag, const VlanSet& trunks) {
    PortVlan p;
    p.mode = mode;
    p.tag = tag;
    if (mode == VlanMode::kAccess) {
        p.members.set(tag);
    } else {
        p.members = trunks.any() ? trunks : VlanSet().set();
        p.members.reset(kMaxVlan);                         // 4095 is reserved
        if (mode != VlanMode::kTrunk) p.members.set(tag);  // the native VLAN is always carried
    }
    return p;
}

std::optional<FrameVlan> classify_tagged(const PortVlan& port, const uint8_t* frame, uint32_t len,
                                         DropReason& drop) {
    FrameVlan f;
    const uint16_t type = static_cast<uint16_t>(frame[12] << 8 | frame[13]);
    if (type == kEtherTypeVlan) {
        if (len < 18) {  // a tag cut short
            drop = DropReason::kBadVlanTag;
            return std::nullopt;
        }
        const uint16_t tci = static_cast<uint16_t>(frame[14] << 8 | frame[15]);
        f.tagged = true;
        f.header_vid = tci & kMaxVlan;
        f.pcp = static_cast<uint8_t>(tci >> 13);
        if (f.header_vid == kMaxVlan) {
            drop = DropReason::kBadVlanTag;
            return std::nullopt;
        }
    } else if (type == kEtherTypeQinQ) {
        // A service tag from a guest or an uplink: vsw does not do 802.1ad.
        drop =
            port.mode == VlanMode::kAccess ? DropReason::kBadVlanTag : DropReason::kVlanNotAllowed;
        return std::nullopt;
    }
    const bool untagged = !f.tagged || f.header_vid == 0;  // priority tags count as untagged
    if (f.tagged && f.header_vid == 0 && len >= 18) {
        const uint16_t inner = static_cast<uint16_t>(frame[16] << 8 | frame[17]);
        if (inner == kEtherTypeVlan || inner == kEtherTypeQinQ) {  // priority tag over a real one
            drop = DropReason::kBadVlanTag;
            return std::nullopt;
        }
    }
    switch (port.mode) {
        case VlanMode::kAccess:
            if (!untagged) {
                drop = DropReason::kVlanNotAllowed;
                return std::nullopt;
            }
            f.vlan = port.tag;
            break;
        case VlanMode::kTrunk: f.vlan = untagged ? 0 : f.header_vid; break;
        case VlanMode::kNativeTagged:
        case VlanMode::kNativeUntagged: f.vlan = untagged ? port.tag : f.header_vid; break;
    }
    if (!port.carries(f.vlan)) {
        drop = DropReason::kVlanNotAllowed;
        return std::nullopt;
    }
    return f;
}

EgressAction egress_action(const PortVlan& port, const FrameVlan& f) {
    bool want_tag;
    switch (port.mode) {
        case VlanMode::kAccess: want_tag = false; break;
        case VlanMode::kTrunk: want_tag = f.vlan != 0; break;
        case VlanMode::kNativeTagged: want_tag = true; break;
        case VlanMode::kNativeUntagged: want_tag = f.vlan != port.tag; break;
        default: want_tag = false; break;
    }
    if (!want_tag) return f.tagged ? EgressAction::kStrip : EgressAction::kAsIs;
    if (!f.tagged) return EgressAction::kPush;
    return f.header_vid == f.vlan ? EgressAction::kAsIs : EgressAction::kSetVid;
}

}  // namespace vsw
