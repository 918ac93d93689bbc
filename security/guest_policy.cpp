// A port's guest policy from its settings (guest_policy.h).
#include "security/guest_policy.h"

namespace vsw {

GuestPolicy make_guest_policy(const PortSecurity& s) {
    GuestPolicy p;
    for (Mac m : s.allowed_macs)
        if (p.n_macs < kMaxAllowedMacs) p.macs[p.n_macs++] = m;
    for (const Ipv4Prefix& x : s.allowed_ipv4) {
        if (p.n_ipv4 == kMaxAllowedIps) break;
        const uint32_t mask = x.len == 0 ? 0 : x.len >= 32 ? ~0u : ~((1u << (32 - x.len)) - 1);
        p.ipv4[p.n_ipv4++] = {x.ip & mask, mask};
    }
    const auto& types = s.ethertypes.empty() ? kDefaultEthertypes : s.ethertypes;
    for (uint16_t t : types)
        if (p.n_ethertypes < kMaxEthertypes) p.ethertypes[p.n_ethertypes++] = t;
    return p;
}

}  // namespace vsw
