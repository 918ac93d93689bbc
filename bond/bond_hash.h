// The hash bucket of a frame a bond sends, read from its bytes (pure, no DPDK):
//  * balance-slb: the source MAC and the VLAN, so each guest's MAC leaves by one member and the
//    partner switch (which needs no LACP) sees each MAC on one link;
//  * balance-tcp: the IP addresses, the protocol and, for TCP, UDP and SCTP that are not
//    fragments, the ports (the L2 addresses for anything else), so flows spread across members
//    while each flow keeps its order.
// The same frame always gives the same bucket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "bond/bond_view.h"

namespace vsw::bond_hash {

inline uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

inline uint8_t to_bucket(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return static_cast<uint8_t>(h >> 24);
}

inline uint64_t load(const uint8_t* p, size_t n) {
    uint64_t v = 0;
    std::memcpy(&v, p, n);
    return v;
}

// The frame's VLAN (0 untagged) and where its ethertype is.
inline uint16_t vlan_and_type_offset(const uint8_t* f, size_t len, size_t& type_at) {
    type_at = 12;
    if (len >= 18 && f[12] == 0x81 && f[13] == 0x00) {
        type_at = 16;
        return static_cast<uint16_t>((f[14] & 0x0f) << 8 | f[15]);
    }
    return 0;
}

inline uint8_t slb_bucket(const uint8_t* f, size_t len) {
    if (len < 14) return 0;
    size_t type_at;
    const uint16_t vlan = vlan_and_type_offset(f, len, type_at);
    return to_bucket(mix(load(f + 6, 6), vlan));
}

inline bool has_ports(uint8_t proto) {
    return proto == 6 || proto == 17 || proto == 132;  // TCP, UDP, SCTP
}

inline uint8_t tcp_bucket(const uint8_t* f, size_t len) {
    if (len < 14) return 0;
    size_t at;
    const uint16_t vlan = vlan_and_type_offset(f, len, at);
    const uint16_t type = static_cast<uint16_t>(f[at] << 8 | f[at + 1]);
    const uint8_t* l3 = f + at + 2;
    const size_t l3_len = len - (at + 2);
    if (type == 0x0800 && l3_len >= 20 && (l3[0] >> 4) == 4) {
        const size_t ihl = (l3[0] & 0x0f) * 4u;
        const uint8_t proto = l3[9];
        uint64_t h = mix(mix(load(l3 + 12, 8), proto), vlan);
        const bool fragment = (l3[6] & 0x3f) || l3[7];  // MF or an offset
        if (!fragment && has_ports(proto) && ihl >= 20 && l3_len >= ihl + 4)
            h = mix(h, load(l3 + ihl, 4));
        return to_bucket(h);
    }
    if (type == 0x86dd && l3_len >= 40) {
        const uint8_t next = l3[6];
        uint64_t h =
            mix(mix(mix(load(l3 + 8, 8), load(l3 + 16, 8)), load(l3 + 24, 8)), load(l3 + 32, 8));
        h = mix(mix(h, next), vlan);
        if (has_ports(next) && l3_len >= 44) h = mix(h, load(l3 + 40, 4));
        return to_bucket(h);
    }
    return to_bucket(mix(mix(load(f, 6), load(f + 6, 6)), vlan));
}

}  // namespace vsw::bond_hash
