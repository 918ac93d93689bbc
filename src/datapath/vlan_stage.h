// The VLAN stage: a port's VLAN configuration as the datapath reads it, ingress classification
// and the egress decision, with the modes of core/vlan.h.
//
// Priority bits (PCP) travel with the frame: they are read from its tag (priority tags too)
// and written into any tag vsw adds. Pure logic over bytes: unit-tested without DPDK.
#pragma once

#include <cstdint>
#include <optional>

#include "core/drop_reasons.h"
#include "core/vlan.h"

namespace vsw {

// What the datapath needs of a port's VLAN configuration; immutable once published.
struct PortVlan {
    VlanMode mode = VlanMode::kTrunk;  // how the port treats tags
    uint16_t tag = 0;                  // access VLAN, or native VLAN of the native modes
    VlanSet members;                   // VLANs the port carries, both directions

    // Builds the membership set from mode, tag and trunks (empty trunks: every VLAN).
    static PortVlan make(VlanMode mode, uint16_t tag, const VlanSet& trunks);
    // operator[], not test(): no range check (the mask keeps it in range), so it inlines.
    bool carries(uint16_t vlan) const { return members[vlan & kMaxVlan]; }
};

// Reads the frame's tag (`frame` has `len` bytes in its first segment, at least 14) and decides
// its VLAN on ingress through `port`. nullopt with `drop` set when the frame must be dropped.
std::optional<FrameVlan> classify_tagged(const PortVlan& port, const uint8_t* frame, uint32_t len,
                                         DropReason& drop);

inline std::optional<FrameVlan> classify_ingress(const PortVlan& port, const uint8_t* frame,
                                                 uint32_t len, DropReason& drop) {
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

// classify_ingress() written straight into `out` (the datapath's per-burst array): no optional
// built on the stack field by field and then copied as a whole, which stalls on the stores.
inline bool classify_ingress_into(const PortVlan& port, const uint8_t* frame, uint32_t len,
                                  DropReason& drop, FrameVlan& out) {
    if (frame[12] != 0x81 && frame[12] != 0x88) {
        const uint16_t vlan = port.mode == VlanMode::kTrunk ? 0 : port.tag;
        if (port.carries(vlan)) {
            out.vlan = vlan;
            out.pcp = 0;
            out.tagged = false;
            out.header_vid = 0;
            return true;
        }
    }
    const std::optional<FrameVlan> f = classify_tagged(port, frame, len, drop);
    if (f) out = *f;
    return f.has_value();
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

}  // namespace vsw
