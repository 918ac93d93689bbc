// libFuzzer target: frames from guests through port security's check (security/guest_policy.h).
// It never reads past the frame, and a frame it lets pass has an allowed source MAC and, if it
// is IPv4 or IPv6, an allowed source address; no router advertisement right after the IPv6
// header passes a port that is not trusted.
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
    s.allowed_ipv6 = {{{0x20, 0x01, 0x0d, 0xb8}, 32}};
    s.trusted = size >= 2 && (data[1] & 1);
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
    if (!why && len >= 55 && frame[12] == 0x86 && frame[13] == 0xdd) {
        uint64_t hi = 0, lo = 0;
        for (int i = 0; i < 8; ++i) {
            hi = hi << 8 | frame[22 + i];
            lo = lo << 8 | frame[30 + i];
        }
        if ((hi || lo) && !p.ipv6_allowed(hi, lo)) __builtin_trap();
        if (!s.trusted && frame[20] == 58 && frame[54] == 134) __builtin_trap();
    }
    return 0;
}
