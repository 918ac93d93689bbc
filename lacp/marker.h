// The marker protocol's responder (802.1AX-2008 5.5, formerly 802.3ad 43.5): a partner may send
// a Marker PDU (slow protocols subtype 2) on a member before it moves conversations off it, and
// waits for the Marker Response that says every frame sent before has arrived. vsw never holds
// frames back, so it answers at once: the same information, TLV type 2, from the member's MAC.
// Linux bonding and OVS answer too. Pure: bytes in, bytes out.
#pragma once

#include <cstddef>
#include <optional>

#include "lacp/lacpdu.h"

namespace vsw::lacp {

constexpr uint8_t kMarkerSubtype = 2;

// The Marker Response to the frame's first `len` bytes if they are a well-formed Marker
// Information PDU (to the slow protocols address, untagged, version 1, TLV type 1 of length 16,
// a terminator), sent from `source`; nothing otherwise (a response, or anything malformed, gets
// no answer).
std::optional<LacpFrame> marker_response(const uint8_t* f, size_t len, Mac source);

// Whether the frame is a slow protocols frame of the marker protocol (subtype 2).
bool is_marker_frame(const uint8_t* f, size_t len);

}  // namespace vsw::lacp
