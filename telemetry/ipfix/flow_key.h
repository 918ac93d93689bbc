// What identifies a flow for IPFIX, and how it is read from a frame. Pure byte parsing (no
// DPDK): the datapath calls it per metered frame, unit tests and fuzzers call it directly.
//
// A flow is one direction of one conversation as seen on one ingress port in one VLAN:
// MACs, ethertype, and for IP the addresses, protocol and L4 ports (TCP, UDP, SCTP) or ICMP
// type/code. Frames that are not IP form L2-only flows (MACs + ethertype).
#pragma once

#include <cstdint>

namespace vsw::telemetry {

enum class FlowKind : uint8_t { kL2 = 0, kIpv4 = 4, kIpv6 = 6 };

// 56 bytes with no padding, so that it hashes and compares as plain bytes. Unused fields are 0.
struct FlowKey {
    uint8_t src_ip[16];  // IPv4 uses the first 4 bytes (network order)
    uint8_t dst_ip[16];
    uint8_t src_mac[6];
    uint8_t dst_mac[6];
    uint16_t ethertype;       // of the payload, after any 802.1Q tag (host order)
    uint16_t vlan;            // the frame's VLAN in the switch (0: none)
    uint16_t in_port;         // ingress interface index (slot + 1)
    uint16_t src_port;        // TCP/UDP/SCTP source port
    uint16_t dst_port;        // TCP/UDP/SCTP destination port
    uint16_t icmp_type_code;  // ICMP / ICMPv6: type << 8 | code
    uint8_t protocol;         // IP protocol (IPv6: the upper-layer header after extensions)
    FlowKind kind;            // which template exports it
    uint8_t pad[2];           // always 0

    bool operator==(const FlowKey&) const = default;
};
static_assert(sizeof(FlowKey) == 60, "FlowKey must have no hidden padding");

// The per-frame values metering adds to a flow.
struct FlowSample {
    uint32_t packets = 1;    // packets on a wire (a guest's TSO frame counts as its segments)
    uint32_t l2_octets = 0;  // the frame's length as received (no FCS)
    uint32_t ip_octets = 0;  // IPv4 total length / IPv6 payload length + 40; 0 for L2 flows
    uint16_t tcp_flags = 0;  // TCP header flags (9 bits: NS .. FIN)
    uint8_t tos = 0;         // IPv4 TOS / IPv6 traffic class
};

constexpr uint16_t kTcpFin = 0x01;
constexpr uint16_t kTcpRst = 0x04;

// Reads the flow key of a frame of `len` contiguous bytes (a truncated frame yields the fields
// it has: never reads past `len`). `vlan` is the VLAN the switch classified it into.
void read_flow_key(const uint8_t* frame, uint32_t len, uint32_t frame_len, uint16_t in_port,
                   uint16_t vlan, FlowKey& key, FlowSample& sample);

}  // namespace vsw::telemetry
