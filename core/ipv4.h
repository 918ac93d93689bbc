// IPv4 addresses in operators' words, and the outer IPv4 header of the tunnels vsw builds
// (ERSPAN's GRE, VXLAN's UDP): written once as a template, finished per frame. Pure bytes, no
// DPDK.
#pragma once

#include <cstdint>
#include <string>

namespace vsw {

constexpr uint16_t kIpv4HeaderLen = 20;  // no options: vsw never writes any

// Dotted quad <-> host byte order.
std::string format_ipv4(uint32_t ip);
bool parse_ipv4(const std::string& s, uint32_t& ip);

// "10.0.0.1/24" (prefix 0..32; without "/N": 32). False on anything else.
bool parse_ipv4_prefix(const std::string& s, uint32_t& ip, uint8_t& prefix_len);

// True if `a` and `b` share their first `prefix_len` bits.
inline bool same_subnet(uint32_t a, uint32_t b, uint8_t prefix_len) {
    if (prefix_len == 0) return true;
    const uint32_t mask = prefix_len >= 32 ? ~0u : ~((1u << (32 - prefix_len)) - 1);
    return (a & mask) == (b & mask);
}

// The fields every packet of a tunnel shares: version, header length, DSCP, TTL, protocol,
// addresses (host byte order). Length and identification are per packet; the checksum field
// holds the template's own (with both 0), which finish_ipv4_header updates.
void write_ipv4_template(uint8_t* ip, uint32_t src, uint32_t dst, uint8_t protocol, uint8_t ttl,
                         uint8_t dscp);

// After changing a template's other fields (flags): its checksum again.
void seal_ipv4_template(uint8_t* ip);

// Sets the total length and identification of a header copied from a sealed template and
// updates its checksum for them (RFC 1624: no pass over the header, whose bytes were just
// written and would be read back through the store buffer).
void finish_ipv4_header(uint8_t* ip, uint16_t total_len, uint16_t id);

// The checksum field's value for a 20-byte header (its own checksum field read as zero).
uint16_t ipv4_header_checksum(const uint8_t* ip);

}  // namespace vsw
