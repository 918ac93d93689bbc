// MAC addresses as 48-bit integers: cheap to compare and hash on the hot path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vsw {

using Mac = uint64_t;  // 48-bit MAC in network byte order, first octet in bits 40..47

// Loads a MAC from 6 bytes of a frame.
inline Mac mac_from_bytes(const uint8_t* b) {
    return (Mac{b[0]} << 40) | (Mac{b[1]} << 32) | (Mac{b[2]} << 24) | (Mac{b[3]} << 16) |
           (Mac{b[4]} << 8) | Mac{b[5]};
}

// Stores a MAC as the 6 bytes a frame carries.
inline void mac_to_bytes(Mac m, uint8_t* out) {
    for (int i = 0; i < 6; ++i) out[i] = static_cast<uint8_t>(m >> (40 - 8 * i));
}

// Group bit: broadcast and multicast addresses.
inline bool mac_is_multicast(Mac m) {
    return (m >> 40) & 1;
}

// IEEE 802.1D reserved group addresses 01:80:C2:00:00:00-0F (STP, 802.3 slow protocols such as
// LACP, 802.1X, LLDP, pause): link-local, a bridge never forwards them.
inline bool mac_is_reserved_group(Mac m) {
    return (m & ~Mac{0xf}) == 0x0180c2000000;
}

std::string mac_to_string(Mac m);
std::optional<Mac> mac_from_string(std::string_view s);

}  // namespace vsw
