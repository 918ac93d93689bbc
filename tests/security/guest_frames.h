// Frames a guest sends, built byte by byte for port security's tests: Ethernet with an optional
// 802.1Q tag, IPv4, ARP, IPv6 and its neighbour discovery messages, UDP.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/ipv6.h"
#include "core/mac.h"

namespace vsw::test {

inline void put_mac(std::vector<uint8_t>& f, size_t at, Mac m) {
    for (int i = 0; i < 6; ++i) f[at + i] = static_cast<uint8_t>(m >> (40 - 8 * i));
}

inline void put16(std::vector<uint8_t>& f, size_t at, uint16_t v) {
    f[at] = static_cast<uint8_t>(v >> 8);
    f[at + 1] = static_cast<uint8_t>(v);
}

inline void put32(std::vector<uint8_t>& f, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) f[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

// An Ethernet frame from `src` of `type`, `tag` > 0 adds an 802.1Q tag; 64 bytes.
inline std::vector<uint8_t> frame(Mac src, uint16_t type, uint16_t tag = 0) {
    std::vector<uint8_t> f(64, 0);
    put_mac(f, 0, 0xffffffffffff);
    put_mac(f, 6, src);
    size_t at = 12;
    if (tag) {
        put16(f, 12, 0x8100);
        put16(f, 14, tag);
        at = 16;
    }
    put16(f, at, type);
    return f;
}

inline std::vector<uint8_t> ipv4(Mac src, uint32_t ip_src, uint16_t tag = 0) {
    auto f = frame(src, 0x0800, tag);
    const size_t l3 = tag ? 18 : 14;
    f[l3] = 0x45;
    put32(f, l3 + 12, ip_src);
    return f;
}

inline std::vector<uint8_t> udp4(Mac src, uint32_t ip_src, uint16_t sport, uint16_t dport) {
    auto f = ipv4(src, ip_src);
    f[14 + 9] = 17;
    put16(f, 34, sport);
    put16(f, 36, dport);
    return f;
}

inline std::vector<uint8_t> arp(Mac src, Mac sender, uint32_t sender_ip) {
    auto f = frame(src, 0x0806);
    const uint8_t body[] = {0, 1, 8, 0, 6, 4, 0, 1};
    std::copy(body, body + 8, f.begin() + 14);
    put_mac(f, 22, sender);
    put32(f, 28, sender_ip);
    return f;
}

inline Ipv6Address ip6(const char* text) {
    Ipv6Address a{};
    uint8_t len = 0;
    parse_ipv6_prefix(text, a, len);
    return a;
}

// IPv6 from `src`/`ip_src` with `next` and `payload` after the 40-byte header.
inline std::vector<uint8_t> ipv6(Mac src, const Ipv6Address& ip_src, uint8_t next,
                                 const std::vector<uint8_t>& payload = {}) {
    auto f = frame(src, 0x86dd);
    f.resize(std::max<size_t>(64, 54 + payload.size()));
    f[14] = 0x60;
    put16(f, 18, static_cast<uint16_t>(payload.size()));
    f[20] = next;
    f[21] = 255;
    std::copy(ip_src.begin(), ip_src.end(), f.begin() + 22);
    f[38] = 0xff;  // to ff02::1
    f[39] = 0x02;
    f[53] = 1;
    std::copy(payload.begin(), payload.end(), f.begin() + 54);
    return f;
}

// An ICMPv6 neighbour discovery message: `type` (133 RS, 134 RA, 135 NS, 136 NA), a target
// (NS, NA) and one link-layer address option `lla` (type 1 source, 2 target) when it is set.
inline std::vector<uint8_t> nd(uint8_t type, const Ipv6Address& target, Mac lla = 0,
                               uint8_t lla_type = 1) {
    std::vector<uint8_t> m(type == 135 || type == 136 ? 24 : type == 134 ? 16 : 8, 0);
    m[0] = type;
    if (m.size() == 24) std::copy(target.begin(), target.end(), m.begin() + 8);
    if (lla) {
        m.resize(m.size() + 8);
        m[m.size() - 8] = lla_type;
        m[m.size() - 7] = 1;
        put_mac(m, m.size() - 6, lla);
    }
    return m;
}

}  // namespace vsw::test
