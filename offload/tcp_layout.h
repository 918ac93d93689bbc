// Where the headers of a TCP or UDP frame are, read from the frame's own bytes: what
// segmentation and software checksums need, and what a guest's offload request is checked
// against. A guest's virtio-net header (csum_start, hdr_len, gso_size) is never trusted for any
// of it.
#pragma once

#include <cstdint>

namespace vsw::offload {

enum class L3 : uint8_t { kIpv4, kIpv6 };
constexpr uint8_t kProtoTcp = 6, kProtoUdp = 17;
constexpr uint16_t kMaxHeaders = 18 + 60 + 60;  // a tag, IPv4 with options, TCP with options

struct L4Layout {
    uint16_t l2_len = 0;  // Ethernet, with one 802.1Q tag if it has one
    uint16_t l3_len = 0;  // IPv4 with its options, or the IPv6 fixed header
    uint16_t l4_len = 0;  // TCP with its options, or UDP's 8 bytes
    L3 l3 = L3::kIpv4;
    uint8_t l4_proto = 0;  // kProtoTcp or kProtoUdp
    uint16_t headers() const { return static_cast<uint16_t>(l2_len + l3_len + l4_len); }
};

// Reads the layout of an Ethernet frame carrying TCP over IPv4 or IPv6. `first` holds the
// first `first_len` bytes of a frame of `frame_len` bytes; every header must be in them. Refuses
// (returns why; nullptr when the frame is fine): stacked tags, other protocols, IPv4 options
// beyond the header or a bad IHL, IPv4 fragments, IPv6 extension headers, a TCP data offset
// below 5 or beyond the frame, and an IP length that is not the frame's.
const char* read_tcp_layout(const uint8_t* first, uint32_t first_len, uint32_t frame_len,
                            L4Layout& out);
// The same for TCP or UDP (a partial checksum a guest left for the switch to complete); a UDP
// length must be the frame's too.
const char* read_l4_layout(const uint8_t* first, uint32_t first_len, uint32_t frame_len,
                           L4Layout& out);

constexpr unsigned kMaxSegments = 64;  // a TSO frame is cut into at most this many segments
constexpr uint32_t kMinSegmentPayload = 64;

// Checks a guest's request to segment a frame of `frame_len` bytes with this layout into
// segments of `mss` payload bytes for a destination of `mtu` (IP bytes per packet): mss at least
// kMinSegmentPayload, headers + mss within the MTU, at most kMaxSegments segments, and a
// payload at all. nullptr or why not.
const char* check_tso(const L4Layout& l, uint32_t frame_len, uint32_t mss, uint32_t mtu);

}  // namespace vsw::offload
