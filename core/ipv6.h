// IPv6 addresses in operators' words: parsing and printing prefixes, and the link-local address
// a MAC gives (modified EUI-64, RFC 4291 appendix A). Pure bytes, no DPDK.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/mac.h"

namespace vsw {

using Ipv6Address = std::array<uint8_t, 16>;  // network byte order

// "2001:db8::1/64" (prefix 0..128; without "/N": 128). False on anything else.
bool parse_ipv6_prefix(const std::string& s, Ipv6Address& addr, uint8_t& prefix_len);
std::string format_ipv6(const Ipv6Address& addr);

// fe80::/64 with the interface identifier of `mac` (its U/L bit flipped, ff:fe in the middle).
Ipv6Address ipv6_link_local(Mac mac);

}  // namespace vsw
