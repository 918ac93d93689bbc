// What a port with port-security=on lets its guest send, as the workers read it: fixed arrays
// (no allocation on the datapath) made from the port's settings, and the check of one frame's
// first bytes against them. Pure and inline: unit-tested and fuzzed on bytes from guests.
//
// Checked, in order: the source MAC is one of the port's (spoofed_mac); the ethertype, after
// one 802.1Q tag, is allowed (ethertype_not_allowed); then by protocol:
//  * IPv4: the source is allowed or 0.0.0.0, DHCP's (spoofed_ip); no DHCP server message, UDP
//    from port 67 (dhcp_server);
//  * ARP: the sender is the frame's source MAC with an allowed address or 0.0.0.0, a probe
//    (spoofed_arp);
//  * IPv6: the source is allowed, the link-local address of an allowed MAC, or :: for duplicate
//    address detection (spoofed_ip); neighbour discovery (spoofed_nd): an advertisement's target
//    and a duplicate address probe's target are the guest's, and every link-layer address
//    option is the frame's source MAC; no router advertisement (ra_guard), no DHCPv6 server
//    message, UDP from port 547 (dhcp_server).
// The guards (dhcp_server, ra_guard) are off on a trusted port (a router or DHCP server VM).
// A frame too short for the header it claims, or whose headers reach beyond the bytes read,
// cannot be vouched for and is dropped with the reason of the check it would have had.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "core/drop_reasons.h"
#include "core/mac.h"
#include "security/port_security_config.h"

namespace vsw {

// Addresses a DHCP server may hand a port's guest at once (allowed-ips=dhcp).
constexpr unsigned kMaxLearnedIps = 4;

struct GuestPolicy {
    Mac macs[kMaxAllowedMacs] = {};
    uint8_t n_macs = 0;
    struct Prefix4 {
        uint32_t ip = 0;
        uint32_t mask = 0;
    } ipv4[kMaxAllowedIps + kMaxLearnedIps] = {};
    uint8_t n_ipv4 = 0;
    struct Prefix6 {  // the address as two big-endian halves, masked
        uint64_t hi = 0, lo = 0;
        uint64_t mask_hi = 0, mask_lo = 0;
    } ipv6[kMaxAllowedIps + kMaxAllowedMacs] = {};  // with each allowed MAC's link-local address
    uint8_t n_ipv6 = 0;
    uint16_t ethertypes[kMaxEthertypes] = {};
    uint8_t n_ethertypes = 0;
    bool any_ip = false;
    bool any_ethertype = false;
    bool guards = true;  // false on a trusted port
    // The first allowed MAC and IPv4's ethertype as a frame's bytes 6-13 read (big-endian):
    // the common frame's first two checks in one compare. 0: IPv4 not allowed.
    uint64_t ipv4_from_first_mac = 0;

    bool mac_allowed(Mac m) const {
        for (uint8_t i = 0; i < n_macs; ++i)
            if (macs[i] == m) return true;
        return false;
    }
    bool ethertype_allowed(uint16_t t) const {
        if (any_ethertype) return true;
        for (uint8_t i = 0; i < n_ethertypes; ++i)
            if (ethertypes[i] == t) return true;
        return false;
    }
    // 0.0.0.0 (a DHCP client without an address yet, an ARP probe) always is.
    bool ipv4_allowed(uint32_t ip) const {
        if (ip == 0 || any_ip) return true;
        for (uint8_t i = 0; i < n_ipv4; ++i)
            if ((ip & ipv4[i].mask) == ipv4[i].ip) return true;
        return false;
    }
    // One of the guest's IPv6 addresses (:: is not).
    bool ipv6_allowed(uint64_t hi, uint64_t lo) const {
        if (any_ip) return true;
        for (uint8_t i = 0; i < n_ipv6; ++i)
            if ((hi & ipv6[i].mask_hi) == ipv6[i].hi && (lo & ipv6[i].mask_lo) == ipv6[i].lo)
                return true;
        return false;
    }
};

// The policy of a port's settings (port-security=on) and the addresses a DHCP server gave it.
GuestPolicy make_guest_policy(const PortSecurity& s,
                              const std::vector<uint32_t>& learned_ipv4 = {});

// The bytes guest_frame_violation reads at most: Ethernet, one tag, IPv6 with room for
// extension headers before a neighbour discovery message and its options.
constexpr uint16_t kGuestPolicyHeader = 192;

namespace guest_policy_detail {

// Big-endian loads: one load and a byte swap each (the frame's bytes are read often).
inline uint16_t be16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return __builtin_bswap16(v);
}
inline uint32_t be32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}
inline uint64_t be64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

constexpr uint16_t kDhcpServerPort = 67;
constexpr uint16_t kDhcpv6ServerPort = 547;

// IPv4 at `ip`, `n` bytes of it read.
inline std::optional<DropReason> ipv4_violation(const GuestPolicy& p, const uint8_t* ip,
                                                uint32_t n) {
    if (n < 20 || !p.ipv4_allowed(be32(ip + 12))) return DropReason::kSpoofedIp;
    const bool first_fragment = (be16(ip + 6) & 0x1fff) == 0;
    if (p.guards && ip[9] == 17 && first_fragment) {
        const uint32_t udp = (ip[0] & 0xf) * 4u;
        if (n < udp + 2 || be16(ip + udp) == kDhcpServerPort) return DropReason::kDhcpServer;
    }
    return std::nullopt;
}

// ARP at `a`, `n` bytes of it read, in a frame from `src`.
inline std::optional<DropReason> arp_violation(const GuestPolicy& p, Mac src, const uint8_t* a,
                                               uint32_t n) {
    if (n < 28 || be16(a) != 1 || be16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
        return DropReason::kSpoofedArp;
    if (mac_from_bytes(a + 8) != src || !p.ipv4_allowed(be32(a + 14)))
        return DropReason::kSpoofedArp;
    return std::nullopt;
}

// A neighbour discovery message's options from `o` to `end`: each link-layer address option
// (source 1, target 2) must be `src`.
inline bool nd_options_ok(Mac src, const uint8_t* o, const uint8_t* end) {
    while (o < end) {
        if (end - o < 2 || o[1] == 0 || end - o < o[1] * 8) return false;
        if ((o[0] == 1 || o[0] == 2) && (o[1] != 1 || mac_from_bytes(o + 2) != src)) return false;
        o += o[1] * 8;
    }
    return true;
}

// ICMPv6 at `h`: `n` (at least 1) bytes read, `len` long by the IPv6 header. `from_dad`: its source
// is ::.
inline std::optional<DropReason> icmpv6_violation(const GuestPolicy& p, Mac src, bool from_dad,
                                                  const uint8_t* h, uint32_t n, uint32_t len) {
    const uint8_t type = h[0];
    if (type == 134) return p.guards ? std::optional(DropReason::kRaGuard) : std::nullopt;
    if (type != 133 && type != 135 && type != 136) return std::nullopt;
    // Router solicitation: 8 bytes; solicitation and advertisement: 8 and a target.
    const uint32_t fixed = type == 133 ? 8 : 24;
    if (len < fixed || n < len) return DropReason::kSpoofedNd;
    if (type != 133) {
        const uint64_t hi = be64(h + 8), lo = be64(h + 16);
        // An advertisement claims its target; a duplicate address probe would make the target's
        // owner give it up. An ordinary solicitation may ask about any address.
        const bool claims = type == 136 || from_dad;
        if (claims && ((hi == 0 && lo == 0) || !p.ipv6_allowed(hi, lo)))
            return DropReason::kSpoofedNd;
    }
    if (!nd_options_ok(src, h + fixed, h + len)) return DropReason::kSpoofedNd;
    return std::nullopt;
}

// IPv6 at `ip`, `n` bytes of it read, in a frame from `src`.
inline std::optional<DropReason> ipv6_violation(const GuestPolicy& p, Mac src, const uint8_t* ip,
                                                uint32_t n) {
    if (n < 40) return DropReason::kSpoofedIp;
    const uint64_t hi = be64(ip + 8), lo = be64(ip + 16);
    const bool unspecified = hi == 0 && lo == 0;
    if (!unspecified && !p.ipv6_allowed(hi, lo)) return DropReason::kSpoofedIp;
    // The upper-layer header, after the extension headers (RFC 7112: all in the first fragment).
    uint8_t next = ip[6];
    uint32_t off = 40;
    const uint32_t end = 40u + be16(ip + 4);
    for (int hops = 0; hops < 8; ++hops) {
        if (next != 0 && next != 43 && next != 44 && next != 51 && next != 60) break;
        if (n < off + 8) return p.guards ? DropReason::kRaGuard : DropReason::kSpoofedNd;
        if (next == 44 && (be16(ip + off + 2) & 0xfff8) != 0) return std::nullopt;  // not first
        const uint32_t size = next == 44   ? 8
                              : next == 51 ? (ip[off + 1] + 2u) * 4  // AH counts 4-byte words
                                           : (ip[off + 1] + 1u) * 8;
        next = ip[off];
        off += size;
    }
    if (next == 58 && n <= off)  // its type is past the bytes read
        return p.guards ? DropReason::kRaGuard : DropReason::kSpoofedNd;
    if (next == 58)
        return icmpv6_violation(p, src, unspecified, ip + off, n - off, end > off ? end - off : 0);
    if (next == 17 && p.guards && (n < off + 2 || be16(ip + off) == kDhcpv6ServerPort))
        return DropReason::kDhcpServer;
    if (next == 0 || next == 43 || next == 44 || next == 51 || next == 60)
        return p.guards ? DropReason::kRaGuard : DropReason::kSpoofedNd;  // a chain too long
    return std::nullopt;
}

}  // namespace guest_policy_detail

// Why the guest may not send the frame whose first `len` bytes (at most kGuestPolicyHeader are
// read) are `f`, or nothing. A frame shorter than an Ethernet header is left to decide()
// (malformed).
inline std::optional<DropReason> guest_frame_violation(const GuestPolicy& p, const uint8_t* f,
                                                       uint16_t len) {
    using namespace guest_policy_detail;
    if (len < 14) return std::nullopt;
    const uint64_t source_and_type = be64(f + 6);  // the source MAC and the ethertype at once
    if (source_and_type == p.ipv4_from_first_mac)  // its own MAC, IPv4, untagged
        return ipv4_violation(p, f + 14, len - 14u);
    const Mac src = source_and_type >> 16;
    if (!p.mac_allowed(src)) return DropReason::kSpoofedMac;
    uint16_t l3 = 14;
    auto type = static_cast<uint16_t>(source_and_type);
    if (type == 0x8100) {
        if (len < 18) return DropReason::kEthertypeNotAllowed;
        type = be16(f + 16);
        l3 = 18;
    }
    if (!p.ethertype_allowed(type)) return DropReason::kEthertypeNotAllowed;
    switch (type) {
        case 0x0800: return ipv4_violation(p, f + l3, static_cast<uint32_t>(len - l3));
        case 0x0806: return arp_violation(p, src, f + l3, static_cast<uint32_t>(len - l3));
        case 0x86dd: return ipv6_violation(p, src, f + l3, static_cast<uint32_t>(len - l3));
        default: return std::nullopt;
    }
}

}  // namespace vsw
