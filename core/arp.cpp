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

void build_arp_reply(uint8_t out[kArpFrameLen], Mac src_mac, uint32_t src_ip, Mac dst_mac,
                     uint32_t dst_ip) {
    build_arp_request(out, src_mac, src_ip, dst_ip);
    put_mac(out, dst_mac);
    uint8_t* a = out + 14;
    a[7] = 2;  // reply
    put_mac(a + 18, dst_mac);
}

std::optional<ArpMessage> parse_arp(const uint8_t* f, size_t len) {
    if (!maybe_arp(f, len)) return std::nullopt;
    const uint8_t* a = f + 14;
    if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0x00 || a[4] != 6 || a[5] != 4 ||
        a[6] != 0 || (a[7] != 1 && a[7] != 2))
        return std::nullopt;
    ArpMessage m{a[7] == 1, get_be32(a + 14), mac_from_bytes(a + 8), get_be32(a + 24)};
    if (mac_is_multicast(m.sender_mac) || m.sender_mac == 0) return std::nullopt;
    return m;
}

std::optional<ArpReply> parse_arp_reply(const uint8_t* f, size_t len) {
    if (!maybe_arp_reply(f, len)) return std::nullopt;
    const auto m = parse_arp(f, len);
    if (!m || m->request) return std::nullopt;
    return ArpReply{m->sender_ip, m->sender_mac};
}

}  // namespace vsw
