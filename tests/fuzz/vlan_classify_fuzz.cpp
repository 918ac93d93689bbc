// libFuzzer target: VLAN classification of arbitrary frames (what a guest or uplink can send)
// on ports of every VLAN mode, and the egress decision for what was classified.
#include <cstdint>
#include <cstring>

#include "src/datapath/vlan_stage.h"

using namespace vsw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 4 + 14) return 0;  // the pipeline drops frames shorter than an Ethernet header first
    static const VlanMode kModes[4] = {VlanMode::kTrunk, VlanMode::kAccess, VlanMode::kNativeTagged,
                                       VlanMode::kNativeUntagged};
    const VlanMode mode = kModes[data[0] & 3];
    const uint16_t tag = static_cast<uint16_t>((data[1] | data[2] << 8) % 4095 + 1);
    VlanSet trunks;  // empty (every VLAN) or a handful picked by the input
    for (int bit = 0; bit < 8; ++bit)
        if (data[3] >> bit & 1) trunks.set(static_cast<size_t>(1 + bit * 500));
    const PortVlan port = PortVlan::make(mode, tag, trunks);
    const uint8_t* frame = data + 4;
    const auto len = static_cast<uint32_t>(size - 4);

    DropReason drop{};
    const auto f = classify_ingress(port, frame, len, drop);
    if (!f) {
        if (drop != DropReason::kBadVlanTag && drop != DropReason::kVlanNotAllowed)
            __builtin_trap();
        return 0;
    }
    if (!port.carries(f->vlan) || f->vlan > kMaxVlan)
        __builtin_trap();                         // never into a VLAN the port lacks
    if (f->tagged && len < 18) __builtin_trap();  // a tag needs its 4 bytes
    for (VlanMode out_mode : kModes) {            // leaving through any port that carries it
        const PortVlan out = PortVlan::make(out_mode, f->vlan == 0 ? tag : f->vlan, VlanSet{});
        if (out.carries(f->vlan)) (void)egress_action(out, *f);
    }
    return 0;
}
