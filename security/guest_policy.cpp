// A port's guest policy from its settings (guest_policy.h).
#include "security/guest_policy.h"

namespace vsw {

namespace {

uint32_t ipv4_mask(uint8_t len) {
    return len == 0 ? 0 : len >= 32 ? ~0u : ~((1u << (32 - len)) - 1);
}

uint64_t half_mask(int bits) {  // the first `bits` (0..64) of a big-endian half
    return bits <= 0 ? 0 : bits >= 64 ? ~uint64_t{0} : ~((uint64_t{1} << (64 - bits)) - 1);
}

GuestPolicy::Prefix6 ipv6_prefix(const Ipv6Address& a, uint8_t len) {
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; ++i) {
        hi = hi << 8 | a[i];
        lo = lo << 8 | a[8 + i];
    }
    const uint64_t mask_hi = half_mask(len), mask_lo = half_mask(len - 64);
    return {hi & mask_hi, lo & mask_lo, mask_hi, mask_lo};
}

}  // namespace

GuestPolicy make_guest_policy(const PortSecurity& s, const std::vector<uint32_t>& learned_ipv4) {
    GuestPolicy p;
    for (Mac m : s.allowed_macs) {
        if (p.n_macs == kMaxAllowedMacs) break;
        p.macs[p.n_macs++] = m;
        p.ipv6[p.n_ipv6++] = ipv6_prefix(ipv6_link_local(m), 128);
    }
    for (const Ipv4Prefix& x : s.allowed_ipv4) {
        if (p.n_ipv4 == kMaxAllowedIps) break;
        p.ipv4[p.n_ipv4++] = {x.ip & ipv4_mask(x.len), ipv4_mask(x.len)};
    }
    for (uint32_t ip : learned_ipv4) {
        if (p.n_ipv4 == kMaxAllowedIps + kMaxLearnedIps) break;
        p.ipv4[p.n_ipv4++] = {ip, ~0u};
    }
    for (const Ipv6Prefix& x : s.allowed_ipv6) {
        if (p.n_ipv6 == kMaxAllowedIps + kMaxAllowedMacs) break;
        p.ipv6[p.n_ipv6++] = ipv6_prefix(x.addr, x.len);
    }
    const auto& types = s.ethertypes.empty() ? kDefaultEthertypes : s.ethertypes;
    for (uint16_t t : types)
        if (p.n_ethertypes < kMaxEthertypes) p.ethertypes[p.n_ethertypes++] = t;
    p.any_ip = s.any_ip;
    p.any_ethertype = s.any_ethertype;
    p.guards = !s.trusted;
    if (p.n_macs && p.ethertype_allowed(0x0800)) p.ipv4_from_first_mac = p.macs[0] << 16 | 0x0800;
    return p;
}

}  // namespace vsw
