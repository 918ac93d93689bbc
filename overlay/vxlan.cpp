#include "overlay/vxlan.h"

#include <cstring>

#include "core/bytes.h"
#include "core/ipv4.h"

namespace vsw {
namespace {

constexpr uint16_t kEthLen = 14;
constexpr uint16_t kIpOffset = kEthLen;
constexpr uint16_t kUdpOffset = kIpOffset + kIpv4HeaderLen;  // in frames vsw builds
constexpr uint16_t kVxlanOffset = kUdpOffset + kUdpHeaderLen;
constexpr uint8_t kVxlanFlagI = 0x08;  // a valid VNI follows
constexpr uint8_t kProtoUdp = 17, kProtoTcp = 6;

void put_mac(uint8_t* p, Mac m) {
    for (int i = 0; i < 6; ++i) p[i] = static_cast<uint8_t>(m >> (40 - 8 * i));
}

uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

uint32_t load32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// A few words of the inner headers, mixed (murmur3's finaliser): a handful of instructions per
// frame, and every input bit reaches the low bits that become the port.
uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

uint64_t rotl(uint64_t v, int k) {
    return v << k | v >> (64 - k);
}

uint16_t port_of(uint64_t h) {
    return static_cast<uint16_t>(49152 + (mix(h) & 0x3fff));
}

}  // namespace

void write_vxlan_template(uint8_t out[kVxlanOuterLen], Mac dst_mac, Mac src_mac, uint32_t src_ip,
                          uint32_t dst_ip, uint8_t ttl) {
    std::memset(out, 0, kVxlanOuterLen);
    put_mac(out, dst_mac);
    put_mac(out + 6, src_mac);
    put_be16(out + 12, 0x0800);
    write_ipv4_template(out + kIpOffset, src_ip, dst_ip, kProtoUdp, ttl, 0);
    out[kIpOffset + 6] = 0x40;  // DF: a VTEP must not fragment (RFC 7348 section 4.3)
    seal_ipv4_template(out + kIpOffset);
    put_be16(out + kUdpOffset + 2, kVxlanUdpPort);  // source port, length: per frame; checksum 0
    out[kVxlanOffset] = kVxlanFlagI;
}

void finish_vxlan_header(uint8_t* outer, uint32_t inner_len, uint32_t vni, uint16_t src_port,
                         uint16_t ip_id) {
    const uint32_t udp_len = kUdpHeaderLen + kVxlanHeaderLen + inner_len;
    finish_ipv4_header(outer + kIpOffset, static_cast<uint16_t>(kIpv4HeaderLen + udp_len), ip_id);
    put_be16(outer + kUdpOffset, src_port);
    put_be16(outer + kUdpOffset + 4, static_cast<uint16_t>(udp_len));
    put_be32(outer + kVxlanOffset + 4, vni << 8);  // VNI, then a reserved byte
}

uint16_t vxlan_source_port(const uint8_t* f, size_t len) {
    if (len < kEthLen) {
        uint64_t h = len;
        for (size_t i = 0; i < len; ++i) h = h << 8 | f[i];
        return port_of(h);
    }
    uint64_t h = load64(f) ^ rotl(load64(f + 6), 17);  // MACs and EtherType
    const uint16_t type = get_be16(f + 12);
    const uint8_t* l3 = f + kEthLen;
    const size_t l3_len = len - kEthLen;
    if (type == 0x0800 && l3_len >= kIpv4HeaderLen && (l3[0] >> 4) == 4) {
        const size_t ihl = (l3[0] & 0xf) * 4u;
        const uint8_t proto = l3[9];
        h ^= rotl(load64(l3 + 12), 31) ^ proto;                  // addresses, protocol
        const bool fragment = (get_be16(l3 + 6) & 0x3fff) != 0;  // MF or an offset
        if (!fragment && ihl >= kIpv4HeaderLen && l3_len >= ihl + 4 &&
            (proto == kProtoTcp || proto == kProtoUdp))
            h ^= uint64_t{load32(l3 + ihl)} << 13;  // the two ports
    } else if (type == 0x86DD && l3_len >= 40) {
        const uint8_t proto = l3[6];
        h ^= rotl(load64(l3 + 8) ^ load64(l3 + 16), 31) ^
             rotl(load64(l3 + 24) ^ load64(l3 + 32), 47) ^
             proto;  // addresses (extension headers: the addresses alone decide)
        if (l3_len >= 44 && (proto == kProtoTcp || proto == kProtoUdp))
            h ^= uint64_t{load32(l3 + 40)} << 13;
    }
    return port_of(h);
}

VxlanCheck check_vxlan(const uint8_t* f, size_t len, uint32_t local_ip, VxlanFrame& out) {
    if (len < kEthLen + kIpv4HeaderLen || get_be16(f + 12) != 0x0800) return VxlanCheck::kNotVxlan;
    const uint8_t* ip = f + kIpOffset;
    const size_t ihl = (ip[0] & 0xf) * 4u;
    if ((ip[0] >> 4) != 4 || ip[9] != kProtoUdp || get_be32(ip + 16) != local_ip)
        return VxlanCheck::kNotVxlan;
    if (ihl < kIpv4HeaderLen || len < kEthLen + ihl + kUdpHeaderLen) return VxlanCheck::kMalformed;
    const uint8_t* udp = ip + ihl;
    if (get_be16(udp + 2) != kVxlanUdpPort) return VxlanCheck::kNotVxlan;
    // For the VTEP from here on: whatever is wrong is the overlay's malformed frame.
    if ((get_be16(ip + 6) & 0x3fff) != 0) return VxlanCheck::kMalformed;  // a fragment
    if (ihl == kIpv4HeaderLen && ipv4_header_checksum(ip) != get_be16(ip + 10))
        return VxlanCheck::kMalformed;
    const size_t ip_len = get_be16(ip + 2);
    const size_t udp_len = get_be16(udp + 4);
    if (ip_len > len - kEthLen || ip_len < ihl + kUdpHeaderLen + kVxlanHeaderLen + kEthLen ||
        udp_len != ip_len - ihl)
        return VxlanCheck::kMalformed;
    const uint8_t* vx = udp + kUdpHeaderLen;
    if (!(vx[0] & kVxlanFlagI)) return VxlanCheck::kMalformed;
    out.vni = get_be32(vx + 4) >> 8;
    out.src_ip = get_be32(ip + 12);
    out.inner_offset = static_cast<uint16_t>(kEthLen + ihl + kUdpHeaderLen + kVxlanHeaderLen);
    out.inner_len = static_cast<uint16_t>(ip_len - ihl - kUdpHeaderLen - kVxlanHeaderLen);
    return VxlanCheck::kOk;
}

}  // namespace vsw
