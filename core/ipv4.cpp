#include "core/ipv4.h"

#include <arpa/inet.h>

#include <cstring>

#include "core/bytes.h"
#include "core/parse.h"

namespace vsw {
namespace {

// The mask that keeps bytes 8-9 of a header's third 32-bit word (TTL, protocol) and clears
// bytes 10-11 (the checksum), whatever the machine's byte order.
uint32_t native_low_half() {
    const uint8_t keep[4] = {0xff, 0xff, 0, 0};
    uint32_t m;
    std::memcpy(&m, keep, 4);
    return m;
}

}  // namespace

std::string format_ipv4(uint32_t ip) {
    char buf[INET_ADDRSTRLEN];
    const uint32_t be = htonl(ip);
    return inet_ntop(AF_INET, &be, buf, sizeof buf) ? buf : "?";
}

bool parse_ipv4(const std::string& s, uint32_t& ip) {
    in_addr a;
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return false;
    ip = ntohl(a.s_addr);
    return true;
}

bool parse_ipv4_prefix(const std::string& s, uint32_t& ip, uint8_t& prefix_len) {
    const size_t slash = s.find('/');
    if (!parse_ipv4(s.substr(0, slash), ip)) return false;
    if (slash == std::string::npos) {
        prefix_len = 32;
        return true;
    }
    auto len = parse_uint(s.substr(slash + 1), 0, 32);
    if (!len) return false;
    prefix_len = static_cast<uint8_t>(*len);
    return true;
}

void write_ipv4_template(uint8_t* ip, uint32_t src, uint32_t dst, uint8_t protocol, uint8_t ttl,
                         uint8_t dscp) {
    std::memset(ip, 0, kIpv4HeaderLen);
    ip[0] = 0x45;  // version 4, 5 words
    ip[1] = static_cast<uint8_t>(dscp << 2);
    ip[8] = ttl;
    ip[9] = protocol;
    put_be32(ip + 12, src);
    put_be32(ip + 16, dst);
    seal_ipv4_template(ip);
}

void seal_ipv4_template(uint8_t* ip) {
    put_be16(ip + 2, 0);
    put_be16(ip + 4, 0);
    put_be16(ip + 10, ipv4_header_checksum(ip));
}

uint16_t ipv4_header_checksum(const uint8_t* ip) {
    // The ones' complement sum does not depend on byte order (RFC 1071 section 2B): add the
    // header as native 32-bit words, fold, and swap once at the end. The checksum field itself
    // (bytes 10-11) is left out.
    uint32_t w[5];
    std::memcpy(w, ip, sizeof w);
    uint64_t sum = uint64_t{w[0]} + w[1] + (w[2] & native_low_half()) + w[3] + w[4];
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    const auto native = static_cast<uint16_t>(~sum);
    uint8_t be[2];
    std::memcpy(be, &native, 2);
    return get_be16(be);
}

void finish_ipv4_header(uint8_t* ip, uint16_t total_len, uint16_t id) {
    // ~HC is the template's sum; adding the two fields that were 0 in it gives the header's.
    uint32_t sum = uint32_t{static_cast<uint16_t>(~get_be16(ip + 10))} + total_len + id;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    put_be16(ip + 2, total_len);
    put_be16(ip + 4, id);
    put_be16(ip + 10, static_cast<uint16_t>(~sum));
}

}  // namespace vsw
