// Ethernet/IPv4|IPv6/TCP frames built byte by byte for the offload tests, and an independent
// reference for the checks they need (Internet checksum over flat bytes, RFC 1071).
#pragma once

#include <cstdint>
#include <vector>

namespace vsw::test {

struct TcpFrameSpec {
    bool ipv6 = false;
    bool tagged = false;  // one 802.1Q tag (VLAN 10)
    uint32_t seq = 1000;
    uint8_t flags = 0x18;  // PSH | ACK
    uint16_t ip_id = 7;
    uint16_t tcp_options = 0;  // bytes of TCP options (NOPs), a multiple of 4
    uint32_t payload = 1000;   // payload bytes: i % 251
    bool udp = false;          // UDP instead of TCP (seq, flags and options unused)
};

inline void put16(std::vector<uint8_t>& f, size_t at, uint16_t v) {
    f[at] = static_cast<uint8_t>(v >> 8);
    f[at + 1] = static_cast<uint8_t>(v);
}

inline uint8_t payload_byte(uint32_t i) {
    return static_cast<uint8_t>(i % 251);
}

inline std::vector<uint8_t> tcp_frame(const TcpFrameSpec& s) {
    const size_t l2 = s.tagged ? 18 : 14, l3 = s.ipv6 ? 40 : 20,
                 l4 = s.udp ? 8 : 20 + s.tcp_options;
    const uint8_t proto = s.udp ? 17 : 6;
    std::vector<uint8_t> f(l2 + l3 + l4 + s.payload, 0);
    for (int i = 0; i < 6; ++i)
        f[i] = static_cast<uint8_t>(0x02 + i), f[6 + i] = static_cast<uint8_t>(0x12 + i);
    if (s.tagged) {
        put16(f, 12, 0x8100);
        put16(f, 14, 10);
    }
    put16(f, l2 - 2, s.ipv6 ? 0x86dd : 0x0800);
    uint8_t* ip = f.data() + l2;
    if (s.ipv6) {
        ip[0] = 0x60;
        put16(f, l2 + 4, static_cast<uint16_t>(l4 + s.payload));
        ip[6] = proto;
        ip[7] = 64;
        for (int i = 0; i < 16; ++i)
            ip[8 + i] = static_cast<uint8_t>(0x20 + i), ip[24 + i] = static_cast<uint8_t>(0x40 + i);
    } else {
        ip[0] = 0x45;
        put16(f, l2 + 2, static_cast<uint16_t>(l3 + l4 + s.payload));
        put16(f, l2 + 4, s.ip_id);
        put16(f, l2 + 6, 0x4000);  // DF
        ip[8] = 64;
        ip[9] = proto;
        const uint8_t src[4] = {192, 0, 2, 1}, dst[4] = {198, 51, 100, 2};
        for (int i = 0; i < 4; ++i) ip[12 + i] = src[i], ip[16 + i] = dst[i];
    }
    uint8_t* tcp = ip + l3;
    put16(f, l2 + l3, 40000);
    put16(f, l2 + l3 + 2, 5201);
    if (s.udp) {
        put16(f, l2 + l3 + 4, static_cast<uint16_t>(l4 + s.payload));
        for (uint32_t i = 0; i < s.payload; ++i) f[l2 + l3 + l4 + i] = payload_byte(i);
        return f;
    }
    for (int i = 0; i < 4; ++i) tcp[4 + i] = static_cast<uint8_t>(s.seq >> (24 - 8 * i));
    tcp[12] = static_cast<uint8_t>((l4 / 4) << 4);
    tcp[13] = s.flags;
    put16(f, l2 + l3 + 14, 65535);
    for (size_t i = 0; i < s.tcp_options; ++i) tcp[20 + i] = 1;  // NOP
    for (uint32_t i = 0; i < s.payload; ++i) f[l2 + l3 + l4 + i] = payload_byte(i);
    return f;
}

// RFC 1071 over flat bytes, starting with `sum`.
inline uint32_t sum16(const uint8_t* p, size_t n, uint32_t sum = 0) {
    for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += static_cast<uint32_t>(p[n - 1] << 8);
    return sum;
}

inline uint16_t fold16(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

// True if the TCP (or UDP) checksum of a flat frame (IP header at l2) verifies: the sum over
// the pseudo-header and the whole L4 segment, checksum field included, is 0xffff.
inline bool tcp_checksum_ok(const std::vector<uint8_t>& f, size_t l2, bool ipv6,
                            uint8_t proto = 6) {
    const uint8_t* ip = f.data() + l2;
    const size_t l3 = ipv6 ? 40 : static_cast<size_t>((ip[0] & 0xf) * 4);
    const size_t tcp_len = f.size() - l2 - l3;
    uint32_t sum = 0;
    if (ipv6) {
        sum = sum16(ip + 8, 32);
    } else {
        sum = sum16(ip + 12, 8);
    }
    sum += proto + static_cast<uint32_t>(tcp_len);
    sum = sum16(ip + l3, tcp_len, sum);
    return fold16(sum) == 0xffff;
}

inline bool ipv4_checksum_ok(const std::vector<uint8_t>& f, size_t l2) {
    return fold16(sum16(f.data() + l2, static_cast<size_t>((f[l2] & 0xf) * 4))) == 0xffff;
}

}  // namespace vsw::test
