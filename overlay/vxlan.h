// VXLAN (RFC 7348) byte layouts: the outer headers vsw puts in front of a frame for a remote VTEP
// (Ethernet, IPv4, UDP to 4789, VXLAN with the I flag and the VNI) and the check of a frame that
// arrives for the local VTEP. Pure bytes, no DPDK: unit-tested and fuzzed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/mac.h"

namespace vsw {

constexpr uint16_t kVxlanUdpPort = 4789;  // IANA
constexpr uint16_t kUdpHeaderLen = 8;
constexpr uint16_t kVxlanHeaderLen = 8;
// Outer Ethernet + IPv4 + UDP + VXLAN in front of the inner frame: 50 bytes. It is also what
// the overlay adds to a frame's L2 payload: the outer IP packet is the inner frame + 36, and
// the inner frame is its L2 payload + 14. So an inner MTU of U needs an underlay MTU of U + 50.
constexpr uint16_t kVxlanOuterLen = 14 + 20 + kUdpHeaderLen + kVxlanHeaderLen;
constexpr uint16_t kVxlanOverhead = kVxlanOuterLen;
constexpr uint32_t kMaxVni = 0xffffff;  // 24 bits; vsw does not use 0

// Writes the outer headers that every frame to one remote VTEP shares: MACs, IPv4 template
// (TTL `ttl`, DF clear, protocol UDP), UDP destination 4789 with checksum 0 (allowed for IPv4),
// the VXLAN I flag. IPs in host byte order.
void write_vxlan_template(uint8_t out[kVxlanOuterLen], Mac dst_mac, Mac src_mac, uint32_t src_ip,
                          uint32_t dst_ip, uint8_t ttl);

// Completes headers written by write_vxlan_template for an inner frame of `inner_len` bytes:
// IPv4 length, identification and checksum, UDP source port and length, the VNI.
void finish_vxlan_header(uint8_t* outer, uint32_t inner_len, uint32_t vni, uint16_t src_port,
                         uint16_t ip_id);

// UDP source port for an inner frame: a hash of its MACs, EtherType and, for IPv4/IPv6, its
// addresses, protocol and ports, in 49152..65535 (RFC 7348 section 5): the underlay's ECMP
// spreads flows, and a flow's packets stay on one path. Reads at most `len` bytes.
uint16_t vxlan_source_port(const uint8_t* inner, size_t len);

enum class VxlanCheck {
    kNotVxlan,   // not IPv4/UDP to the VTEP's address and port 4789: not the overlay's
    kMalformed,  // for the VTEP, but lengths, checksum, flags or fragmentation are wrong
    kOk,
};

struct VxlanFrame {
    uint32_t vni;           // from the VXLAN header
    uint32_t src_ip;        // the sending VTEP (host byte order)
    uint16_t inner_offset;  // where the inner Ethernet frame starts
    uint16_t inner_len;     // its length (Ethernet padding of the outer frame excluded)
};

// Checks a frame received on the underlay (the first `len` bytes of it, contiguous) for the
// VTEP address `local_ip`.
VxlanCheck check_vxlan(const uint8_t* frame, size_t len, uint32_t local_ip, VxlanFrame& out);

}  // namespace vsw
