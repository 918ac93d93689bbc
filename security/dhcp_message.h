// What port security learns from DHCP (allowed-ips=dhcp): the workers' test of whether a frame
// is DHCP at all (IPv4, UDP between ports 67 and 68), and the control thread's reading of one:
// a server's ACK or NAK to a client MAC, or a client's RELEASE. Pure: unit-tested and fuzzed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/mac.h"

namespace vsw {

// Whether the frame whose first `len` bytes are `f` is IPv4 UDP from port 67 to 68 or from 68
// to 67, after at most one 802.1Q tag. Inline: the workers ask it of every frame while a port
// learns from DHCP.
inline bool is_dhcp_frame(const uint8_t* f, uint32_t len) {
    uint32_t l3 = 14;
    if (len >= 18 && f[12] == 0x81 && f[13] == 0x00) l3 = 18;
    if (len < l3 + 28 || f[l3 - 2] != 0x08 || f[l3 - 1] != 0x00) return false;
    const uint8_t* ip = f + l3;
    const uint32_t udp = (ip[0] & 0x0f) * 4u;
    if (ip[9] != 17 || (ip[6] & 0x3f) != 0 || ip[7] != 0 || len < l3 + udp + 4) return false;
    const uint8_t* ports = ip + udp;  // 67 = 0x43, 68 = 0x44
    return ports[0] == 0 && ports[2] == 0 &&
           ((ports[1] == 0x43 && ports[3] == 0x44) || (ports[1] == 0x44 && ports[3] == 0x43));
}

struct DhcpMessage {
    enum class Kind { kAck, kNak, kRelease };
    Kind kind = Kind::kAck;
    Mac client = 0;          // chaddr
    uint32_t ip = 0;         // ACK: yiaddr; RELEASE: ciaddr (host byte order)
    uint32_t lease = 0;      // ACK: seconds (option 51); kInfiniteLease: no end
    uint32_t server_id = 0;  // option 54, when given
};
constexpr uint32_t kInfiniteLease = 0xffffffff;

// The message in a frame is_dhcp_frame() accepted (the whole frame, `len` bytes), or nothing:
// other message types, a hardware address that is not Ethernet's, an ACK without a lease time
// or address, options that run past the frame.
std::optional<DhcpMessage> read_dhcp_message(const uint8_t* f, size_t len);

}  // namespace vsw
