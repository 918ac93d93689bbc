// libFuzzer target: a guest's large TCP frame and its offload request (what a hostile guest
// controls): the layout read from the frame's bytes and the segment-size check. The first four
// input bytes are the guest's gso_size and the destination's MTU, the rest is the frame; the
// first-segment length is cut from the frame as rte_vhost would chain it.
#include <cstdint>
#include <cstring>

#include "offload/tcp_layout.h"

using namespace vsw::offload;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 5) return 0;
    const uint32_t mss = static_cast<uint32_t>(data[0] << 8 | data[1]);
    const uint32_t mtu = 576 + static_cast<uint32_t>((data[2] << 8 | data[3]) % 9000);
    const uint8_t* frame = data + 4;
    const auto frame_len = static_cast<uint32_t>(size - 4);
    const uint32_t first_len = frame_len < 2048 ? frame_len : 2048;  // a 2 KB mbuf
    L4Layout l;
    if (read_tcp_layout(frame, first_len, frame_len, l) != nullptr) return 0;
    // Every header lies in the first segment, with sane lengths.
    if (l.headers() > first_len || l.l4_len < 20 || l.l4_len > 60) __builtin_trap();
    if (l.l3 == L3::kIpv4 && (l.l3_len < 20 || l.l3_len > 60)) __builtin_trap();
    if (l.l3 == L3::kIpv6 && l.l3_len != 40) __builtin_trap();
    if (l.l2_len != 14 && l.l2_len != 18) __builtin_trap();
    if (check_tso(l, frame_len, mss, mtu) != nullptr) return 0;
    // An accepted request: segments fit the MTU, there are at most 64 and each has a payload.
    const uint32_t payload = frame_len - l.headers();
    if (mss < kMinSegmentPayload || l.l3_len + l.l4_len + mss > mtu) __builtin_trap();
    if (payload == 0 || (payload + mss - 1) / mss > kMaxSegments) __builtin_trap();
    return 0;
}
