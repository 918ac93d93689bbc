// The VLAN stage over a burst of 32 frames: ingress classification and the egress decision, on
// an access port (untagged frames, the inlined fast path) and a trunk (tagged frames).
#include <vector>

#include "src/datapath/vlan_stage.h"
#include "tests/support/bench.h"

using namespace vsw;

namespace {

std::vector<uint8_t> frame(bool tagged, uint16_t vid) {
    std::vector<uint8_t> f(64, 0);
    f[12] = tagged ? 0x81 : 0x08;
    if (tagged) {
        f[14] = static_cast<uint8_t>(3 << 5 | vid >> 8);
        f[15] = static_cast<uint8_t>(vid);
        f[16] = 0x08;
    }
    return f;
}

void classify_burst(const char* name, const PortVlan& in, const PortVlan& out, bool tagged) {
    std::vector<std::vector<uint8_t>> frames;
    for (uint16_t i = 0; i < 32; ++i)
        frames.push_back(frame(tagged, static_cast<uint16_t>(10 + i)));
    bench::run(name, 32, [&] {
        unsigned actions = 0;
        for (const auto& f : frames) {
            DropReason why{};
            if (auto v = classify_ingress(in, f.data(), static_cast<uint32_t>(f.size()), why))
                actions += static_cast<unsigned>(egress_action(out, *v));
        }
        bench::keep(actions);
    });
}

}  // namespace

int main() {
    VlanSet all;
    all.set();
    const PortVlan access = PortVlan::make(VlanMode::kAccess, 10, {});
    const PortVlan trunk = PortVlan::make(VlanMode::kTrunk, 0, all);
    const PortVlan native = PortVlan::make(VlanMode::kNativeUntagged, 10, all);
    classify_burst("vlan: burst of 32 untagged, access -> trunk", access, trunk, false);
    classify_burst("vlan: burst of 32 tagged, trunk -> native-untagged", trunk, native, true);
}
