#include "telemetry/ipfix/flow_key.h"

#include <cstring>

#include "core/bytes.h"

namespace vsw::telemetry {

namespace {

constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint8_t kIcmp = 1, kTcp = 6, kUdp = 17, kIcmpv6 = 58, kSctp = 132;

// Fills ports / ICMP type and code / TCP flags from the L4 header at `l4` (`avail` bytes).
void read_l4(uint8_t protocol, const uint8_t* l4, uint32_t avail, FlowKey& key,
             FlowSample& sample) {
    switch (protocol) {
        case kTcp:
            if (avail >= 14) sample.tcp_flags = static_cast<uint16_t>((l4[12] & 1) << 8 | l4[13]);
            [[fallthrough]];
        case kUdp:
        case kSctp:
            if (avail >= 4) {
                key.src_port = get_be16(l4);
                key.dst_port = get_be16(l4 + 2);
            }
            break;
        case kIcmp:
        case kIcmpv6:
            if (avail >= 2) key.icmp_type_code = get_be16(l4);
            break;
        default: break;
    }
}

void read_ipv4(const uint8_t* ip, uint32_t avail, FlowKey& key, FlowSample& sample) {
    if (avail < 20 || (ip[0] >> 4) != 4)
        return;  // not IPv4 after all: an L2 flow of that ethertype
    const uint32_t ihl = (ip[0] & 0xfu) * 4u;
    if (ihl < 20) return;
    key.kind = FlowKind::kIpv4;
    sample.tos = ip[1];
    sample.ip_octets = get_be16(ip + 2);
    key.protocol = ip[9];
    memcpy(key.src_ip, ip + 12, 4);
    memcpy(key.dst_ip, ip + 16, 4);
    const bool later_fragment = (get_be16(ip + 6) & 0x1fff) != 0;  // no L4 header in it
    if (!later_fragment && avail > ihl) read_l4(key.protocol, ip + ihl, avail - ihl, key, sample);
}

void read_ipv6(const uint8_t* ip, uint32_t avail, FlowKey& key, FlowSample& sample) {
    if (avail < 40 || (ip[0] >> 4) != 6) return;
    key.kind = FlowKind::kIpv6;
    sample.tos = static_cast<uint8_t>((ip[0] & 0xf) << 4 | ip[1] >> 4);
    sample.ip_octets = 40u + get_be16(ip + 4);
    memcpy(key.src_ip, ip + 8, 16);
    memcpy(key.dst_ip, ip + 24, 16);
    // Skip extension headers (a bounded number) to the upper-layer protocol.
    uint8_t next = ip[6];
    uint32_t off = 40;
    for (int hops = 0; hops < 8; ++hops) {
        if (next == 0 || next == 43 || next == 60) {  // hop-by-hop, routing, destination options
            if (avail < off + 8) break;
            next = ip[off];
            off += 8u * (1u + ip[off + 1]);
        } else if (next == 44) {  // fragment: only the first fragment carries the L4 header
            if (avail < off + 8) break;
            const bool later_fragment = (get_be16(ip + off + 2) & 0xfff8) != 0;
            next = ip[off];
            off += 8;
            if (later_fragment) {
                key.protocol = next;
                return;
            }
        } else {
            break;
        }
    }
    key.protocol = next;
    if (avail > off) read_l4(next, ip + off, avail - off, key, sample);
}

}  // namespace

void read_flow_key(const uint8_t* frame, uint32_t len, uint32_t frame_len, uint16_t in_port,
                   uint16_t vlan, FlowKey& key, FlowSample& sample) {
    memset(&key, 0, sizeof key);
    sample = FlowSample{};
    sample.l2_octets = frame_len;
    key.in_port = in_port;
    key.vlan = vlan;
    key.kind = FlowKind::kL2;
    if (len < 14) return;
    memcpy(key.dst_mac, frame, 6);
    memcpy(key.src_mac, frame + 6, 6);
    uint32_t off = 12;
    uint16_t type = get_be16(frame + off);
    if (type == kEtherVlan && len >= 18) {
        off += 4;
        type = get_be16(frame + off);
    }
    key.ethertype = type;
    off += 2;
    if (type == kEtherIpv4) read_ipv4(frame + off, len - off, key, sample);
    else if (type == kEtherIpv6) read_ipv6(frame + off, len - off, key, sample);
}

}  // namespace vsw::telemetry
