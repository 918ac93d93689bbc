// libFuzzer target: frames from guests through port security's check (security/guest_policy.h).
// It never reads past the frame, and a frame it lets pass has an allowed source MAC and, if it
// is IPv4 or ARP, an allowed source address.
#include <cstdint>
#include <cstring>
#include <vector>

#include "security/guest_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // An exact-size copy: ASan sees any read past the frame.
    std::vector<uint8_t> frame(data, data + size);
    vsw::PortSecurity s;
    s.enabled = true;
    // The frame's own source is allowed half the time, so the fuzzer reaches the later checks.
    s.allowed_macs = {size >= 12 && (data[0] & 1) == 0 ? vsw::mac_from_bytes(data + 6)
                                                       : vsw::Mac{0x020000000001}};
    s.allowed_ipv4 = {{0x0a000000, 8}, {0xc0a80105, 32}};
    const vsw::GuestPolicy p = vsw::make_guest_policy(s);
    const auto len = static_cast<uint16_t>(size > 0xffff ? 0xffff : size);
    const auto why = vsw::guest_frame_violation(p, frame.data(), len);
    if (!why && len >= 14 && !p.mac_allowed(vsw::mac_from_bytes(frame.data() + 6)))
        __builtin_trap();
    if (!why && len >= 34 && frame[12] == 0x08 && frame[13] == 0x00) {
        const uint32_t src = uint32_t{frame[26]} << 24 | uint32_t{frame[27]} << 16 |
                             uint32_t{frame[28]} << 8 | frame[29];
        if (!p.ipv4_allowed(src)) __builtin_trap();
    }
    return 0;
}
