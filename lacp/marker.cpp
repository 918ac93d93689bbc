// The marker responder (marker.h). Offsets are from the start of the frame.
#include "lacp/marker.h"

#include <cstring>

namespace vsw::lacp {

namespace {
constexpr size_t kSubtype = 14;
constexpr size_t kTlv = 16;          // type, length, then 14 bytes of information and 2 pad
constexpr uint8_t kInformation = 1;  // Marker Information TLV
constexpr uint8_t kResponse = 2;     // Marker Response TLV
constexpr uint8_t kMarkerTlvLength = 16;
constexpr size_t kTerminator = kTlv + kMarkerTlvLength;
}  // namespace

bool is_marker_frame(const uint8_t* f, size_t len) {
    return len > kSubtype && f[12] == 0x88 && f[13] == 0x09 && f[kSubtype] == kMarkerSubtype;
}

std::optional<LacpFrame> marker_response(const uint8_t* f, size_t len, Mac source) {
    if (len < kLacpFrameLength || !is_marker_frame(f, len)) return std::nullopt;
    if (mac_from_bytes(f) != kSlowProtocolsAddress) return std::nullopt;
    if (f[kSubtype + 1] != 1) return std::nullopt;  // version
    if (f[kTlv] != kInformation || f[kTlv + 1] != kMarkerTlvLength) return std::nullopt;
    if (f[kTerminator] != 0 || f[kTerminator + 1] != 0) return std::nullopt;
    LacpFrame out{};
    std::memcpy(out.data(), f, kLacpFrameLength);
    mac_to_bytes(source, out.data() + 6);
    out[kTlv] = kResponse;
    std::memset(out.data() + kTerminator + 2, 0, kLacpFrameLength - kTerminator - 2);  // reserved
    return out;
}

}  // namespace vsw::lacp
