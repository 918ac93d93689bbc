// libFuzzer target: frames from the underlay (anyone on the fabric can send them to the VTEP
// address). check_vxlan never reads past the frame, an accepted frame's inner frame lies
// within it, and the source-port hash reads within what it is given.
#include <cstdint>
#include <cstring>
#include <vector>

#include "overlay/vxlan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // An exact-size copy: ASan sees any read past the frame.
    std::vector<uint8_t> frame(data, data + size);
    const uint32_t local = size >= 34 ? (uint32_t{data[30]} << 24 | uint32_t{data[31]} << 16 |
                                         uint32_t{data[32]} << 8 | data[33])
                                      : 0x0a000001;  // let the fuzzer reach "for the VTEP"
    vsw::VxlanFrame vx{};
    if (vsw::check_vxlan(frame.data(), frame.size(), local, vx) == vsw::VxlanCheck::kOk) {
        if (vx.inner_offset + vx.inner_len > size || vx.inner_len < 14 || vx.vni > vsw::kMaxVni)
            __builtin_trap();
        const uint16_t port = vsw::vxlan_source_port(frame.data() + vx.inner_offset, vx.inner_len);
        if (port < 49152) __builtin_trap();
    }
    if (vsw::vxlan_source_port(frame.data(), frame.size()) < 49152) __builtin_trap();
    return 0;
}
