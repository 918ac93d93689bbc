#include "offload/tcp_layout.h"

#include "core/bytes.h"
#include "core/vlan.h"

namespace vsw::offload {
namespace {

constexpr uint16_t kEthLen = 14, kTagLen = 4;  // bytes
constexpr uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86dd;
constexpr uint16_t kIpv6Len = 40, kTcpMinLen = 20;  // bytes

}  // namespace

const char* read_tcp_layout(const uint8_t* first, uint32_t first_len, uint32_t frame_len,
                            L4Layout& out) {
    L4Layout l;
    if (const char* e = read_l4_layout(first, first_len, frame_len, l)) return e;
    if (l.l4_proto != kProtoTcp) return "not TCP";
    out = l;
    return nullptr;
}

const char* read_l4_layout(const uint8_t* f, uint32_t first_len, uint32_t frame_len,
                           L4Layout& out) {
    if (first_len > frame_len) return "first segment longer than the frame";
    if (first_len < kEthLen) return "shorter than an Ethernet header";
    L4Layout l;
    uint16_t type = get_be16(f + 12);
    l.l2_len = kEthLen;
    if (type == kEtherTypeVlan) {
        if (first_len < kEthLen + kTagLen) return "truncated 802.1Q tag";
        type = get_be16(f + 16);
        l.l2_len = kEthLen + kTagLen;
    }
    if (type == kEtherTypeVlan || type == kEtherTypeQinQ) return "stacked VLAN tags";
    const uint8_t* ip = f + l.l2_len;
    const uint32_t after_l2 = first_len - l.l2_len;
    uint32_t ip_total = 0;
    if (type == kEtherIpv4) {
        l.l3 = L3::kIpv4;
        if (after_l2 < 20) return "truncated IPv4 header";
        if ((ip[0] >> 4) != 4) return "IPv4 version is not 4";
        l.l3_len = static_cast<uint16_t>((ip[0] & 0xf) * 4);
        if (l.l3_len < 20) return "IPv4 header length below 20";
        if (after_l2 < l.l3_len) return "IPv4 options beyond the first segment";
        if (get_be16(ip + 6) & 0x3fff) return "an IPv4 fragment";  // MF or a fragment offset
        l.l4_proto = ip[9];
        ip_total = get_be16(ip + 2);
    } else if (type == kEtherIpv6) {
        l.l3 = L3::kIpv6;
        if (after_l2 < kIpv6Len) return "truncated IPv6 header";
        if ((ip[0] >> 4) != 6) return "IPv6 version is not 6";
        l.l4_proto = ip[6];
        if (l.l4_proto != kProtoTcp && l.l4_proto != kProtoUdp)
            return "not TCP or UDP directly after the IPv6 header (extension headers?)";
        l.l3_len = kIpv6Len;
        ip_total = kIpv6Len + get_be16(ip + 4);
    } else {
        return "neither IPv4 nor IPv6";
    }
    if (l.l4_proto != kProtoTcp && l.l4_proto != kProtoUdp) return "not TCP or UDP";
    if (ip_total != frame_len - l.l2_len) return "IP length is not the frame's";
    const uint32_t l4_at = static_cast<uint32_t>(l.l2_len) + l.l3_len;
    if (l.l4_proto == kProtoUdp) {
        if (first_len < l4_at + 8) return "UDP header beyond the first segment";
        if (get_be16(f + l4_at + 4) != frame_len - l4_at) return "UDP length is not the frame's";
        l.l4_len = 8;
        out = l;
        return nullptr;
    }
    if (first_len < l4_at + kTcpMinLen) return "TCP header beyond the first segment";
    l.l4_len = static_cast<uint16_t>((f[l4_at + 12] >> 4) * 4);
    if (l.l4_len < kTcpMinLen) return "TCP data offset below 5";
    if (first_len < l4_at + l.l4_len) return "TCP options beyond the first segment";
    out = l;
    return nullptr;
}

const char* check_tso(const L4Layout& l, uint32_t frame_len, uint32_t mss, uint32_t mtu) {
    if (mss < kMinSegmentPayload) return "segment size below 64 bytes";
    if (static_cast<uint64_t>(l.l3_len) + l.l4_len + mss > mtu)
        return "segments would not fit the MTU";
    if (frame_len <= l.headers()) return "no payload to segment";
    const uint32_t payload = frame_len - l.headers();
    if ((payload + mss - 1) / mss > kMaxSegments) return "more than 64 segments";
    return nullptr;
}

}  // namespace vsw::offload
