// ARP for the switch's own needs (an ERSPAN session's next hop, the VXLAN underlay's next hops
// and the VTEP address itself): the requests and replies vsw sends and reads. Pure byte layouts,
// no DPDK.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/mac.h"

namespace vsw {

constexpr size_t kArpFrameLen = 42;  // Ethernet + ARP for IPv4, no padding

// "Who has `target_ip`? Tell `src_ip`", broadcast from `src_mac`. IPs in host byte order.
void build_arp_request(uint8_t out[kArpFrameLen], Mac src_mac, uint32_t src_ip, uint32_t target_ip);

// "`src_ip` is at `src_mac`", to the asker `dst_mac`/`dst_ip`. IPs in host byte order.
void build_arp_reply(uint8_t out[kArpFrameLen], Mac src_mac, uint32_t src_ip, Mac dst_mac,
                     uint32_t dst_ip);

struct ArpReply {
    uint32_t sender_ip;  // host byte order
    Mac sender_mac;
};

// An untagged Ethernet frame carrying an IPv4-over-Ethernet ARP reply, or nullopt.
std::optional<ArpReply> parse_arp_reply(const uint8_t* frame, size_t len);

struct ArpMessage {
    bool request;        // else a reply
    uint32_t sender_ip;  // host byte order
    Mac sender_mac;      // never multicast or zero
    uint32_t target_ip;  // host byte order
};

// An untagged IPv4-over-Ethernet ARP request or reply, or nullopt.
std::optional<ArpMessage> parse_arp(const uint8_t* frame, size_t len);

// Cheap test for the datapath: could this frame be ARP at all?
inline bool maybe_arp(const uint8_t* frame, size_t len) {
    return len >= kArpFrameLen && frame[12] == 0x08 && frame[13] == 0x06;
}

// Cheap test for the datapath: could this frame be an ARP reply?
inline bool maybe_arp_reply(const uint8_t* frame, size_t len) {
    return len >= kArpFrameLen && frame[12] == 0x08 && frame[13] == 0x06 && frame[20] == 0 &&
           frame[21] == 2;
}

}  // namespace vsw
