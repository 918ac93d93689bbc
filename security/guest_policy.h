// What a port with port-security=on lets its guest send, as the workers read it: fixed arrays
// (no allocation on the datapath) made from the port's settings, and the check of one frame's
// first bytes against them. Pure and inline: unit-tested and fuzzed on bytes from guests.
//
// Checked, in order: the source MAC is one of the port's (spoofed_mac); the ethertype, after
// one 802.1Q tag, is allowed (ethertype_not_allowed); an IPv4 source is allowed or 0.0.0.0,
// DHCP's (spoofed_ip); an ARP sender is the frame's source MAC with an allowed address or
// 0.0.0.0, a probe (spoofed_arp). A frame too short for the header it claims cannot be
// vouched for and is dropped with the same reason. IPv6 sources are not checked yet.
#pragma once

#include <cstdint>
#include <optional>

#include "core/drop_reasons.h"
#include "core/mac.h"
#include "security/port_security_config.h"

namespace vsw {

struct GuestPolicy {
    Mac macs[kMaxAllowedMacs] = {};
    uint8_t n_macs = 0;
    struct Prefix {
        uint32_t ip = 0;
        uint32_t mask = 0;
    } ipv4[kMaxAllowedIps] = {};
    uint8_t n_ipv4 = 0;
    uint16_t ethertypes[kMaxEthertypes] = {};
    uint8_t n_ethertypes = 0;

    bool mac_allowed(Mac m) const {
        for (uint8_t i = 0; i < n_macs; ++i)
            if (macs[i] == m) return true;
        return false;
    }
    bool ethertype_allowed(uint16_t t) const {
        for (uint8_t i = 0; i < n_ethertypes; ++i)
            if (ethertypes[i] == t) return true;
        return false;
    }
    // 0.0.0.0 (a DHCP client without an address yet, an ARP probe) always is.
    bool ipv4_allowed(uint32_t ip) const {
        if (ip == 0) return true;
        for (uint8_t i = 0; i < n_ipv4; ++i)
            if ((ip & ipv4[i].mask) == ipv4[i].ip) return true;
        return false;
    }
};

// The policy of a port's settings (port-security=on).
GuestPolicy make_guest_policy(const PortSecurity& s);

// The bytes guest_frame_violation needs at most: Ethernet, one tag, an ARP body.
constexpr uint16_t kGuestPolicyHeader = 14 + 4 + 28;

namespace guest_policy_detail {
inline uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
inline uint32_t be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
}  // namespace guest_policy_detail

// Why the guest may not send the frame whose first `len` bytes (at most kGuestPolicyHeader are
// read) are `f`, or nothing. A frame shorter than an Ethernet header is left to decide()
// (malformed).
inline std::optional<DropReason> guest_frame_violation(const GuestPolicy& p, const uint8_t* f,
                                                       uint16_t len) {
    using namespace guest_policy_detail;
    if (len < 14) return std::nullopt;
    if (!p.mac_allowed(mac_from_bytes(f + 6))) return DropReason::kSpoofedMac;
    uint16_t l3 = 14;
    uint16_t type = be16(f + 12);
    if (type == 0x8100) {
        if (len < 18) return DropReason::kEthertypeNotAllowed;
        type = be16(f + 16);
        l3 = 18;
    }
    if (!p.ethertype_allowed(type)) return DropReason::kEthertypeNotAllowed;
    if (type == 0x0800) {
        if (len < l3 + 20) return DropReason::kSpoofedIp;
        if (!p.ipv4_allowed(be32(f + l3 + 12))) return DropReason::kSpoofedIp;
    } else if (type == 0x0806) {
        const uint8_t* a = f + l3;
        if (len < l3 + 28 || be16(a) != 1 || be16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
            return DropReason::kSpoofedArp;
        if (mac_from_bytes(a + 8) != mac_from_bytes(f + 6)) return DropReason::kSpoofedArp;
        if (!p.ipv4_allowed(be32(a + 14))) return DropReason::kSpoofedArp;
    }
    return std::nullopt;
}

}  // namespace vsw
