// Hand-built frames for the metering tests: every byte spelled out, no DPDK.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace vsw::test {

inline void put16(std::vector<uint8_t>& f, uint16_t v) {
    f.push_back(static_cast<uint8_t>(v >> 8));
    f.push_back(static_cast<uint8_t>(v));
}

// Ethernet (+ optional 802.1Q tag) header.
inline std::vector<uint8_t> eth(uint16_t ethertype, int vlan = -1, uint8_t src_last = 1,
                                uint8_t dst_last = 2) {
    std::vector<uint8_t> f = {0x02, 0, 0, 0, 0, dst_last, 0x02, 0, 0, 0, 0, src_last};
    if (vlan >= 0) {
        put16(f, 0x8100);
        put16(f, static_cast<uint16_t>(vlan));
    }
    put16(f, ethertype);
    return f;
}

// IPv4 header (no options) of `payload` bytes after it, protocol `proto`, 10.0.0.s -> 10.0.0.d.
inline void ipv4(std::vector<uint8_t>& f, uint8_t proto, uint16_t payload, uint8_t s = 1,
                 uint8_t d = 2, uint16_t frag = 0, uint8_t tos = 0) {
    f.insert(f.end(), {0x45, tos});
    put16(f, static_cast<uint16_t>(20 + payload));
    f.insert(f.end(), {0, 0});
    put16(f, frag);
    f.insert(f.end(), {64, proto, 0, 0, 10, 0, 0, s, 10, 0, 0, d});
}

inline void tcp(std::vector<uint8_t>& f, uint16_t sport, uint16_t dport, uint8_t flags) {
    put16(f, sport);
    put16(f, dport);
    f.insert(f.end(), {0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0});
}

inline void udp(std::vector<uint8_t>& f, uint16_t sport, uint16_t dport, uint16_t payload) {
    put16(f, sport);
    put16(f, dport);
    put16(f, static_cast<uint16_t>(8 + payload));
    f.insert(f.end(), {0, 0});
    f.insert(f.end(), payload, 0xab);
}

}  // namespace vsw::test
