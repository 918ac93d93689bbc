#include "core/arp.h"

#include <cstring>

#include "core/bytes.h"

namespace vsw {
namespace {

void put_mac(uint8_t* p, Mac m) {
    for (int i = 0; i < 6; ++i) p[i] = static_cast<uint8_t>(m >> (40 - 8 * i));
}

}  // namespace

void build_arp_request(uint8_t out[kArpFrameLen], Mac src_mac, uint32_t src_ip,
                       uint32_t target_ip) {
    std::memset(out, 0, kArpFrameLen);
    put_mac(out, 0xffffffffffff);
    put_mac(out + 6, src_mac);
    out[12] = 0x08;
    out[13] = 0x06;
    uint8_t* a = out + 14;
    a[1] = 1;     // hardware: Ethernet
    a[2] = 0x08;  // protocol: IPv4
    a[4] = 6;
    a[5] = 4;
    a[7] = 1;  // request
    put_mac(a + 8, src_mac);
    put_be32(a + 14, src_ip);
    put_be32(a + 24, target_ip);  // target MAC (a + 18) stays zero
}

std::optional<ArpReply> parse_arp_reply(const uint8_t* f, size_t len) {
    if (!maybe_arp_reply(f, len)) return std::nullopt;
    const uint8_t* a = f + 14;
    if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0x00 || a[4] != 6 || a[5] != 4)
        return std::nullopt;
    ArpReply r{get_be32(a + 14), mac_from_bytes(a + 8)};
    if (mac_is_multicast(r.sender_mac) || r.sender_mac == 0) return std::nullopt;
    return r;
}

}  // namespace vsw
