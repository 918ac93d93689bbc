// IPv6 addresses in operators' words (ipv6.h).
#include "core/ipv6.h"

#include <arpa/inet.h>

#include "core/parse.h"

namespace vsw {

bool parse_ipv6_prefix(const std::string& s, Ipv6Address& addr, uint8_t& prefix_len) {
    const auto slash = s.find('/');
    const std::string address = s.substr(0, slash);
    uint8_t len = 128;
    if (slash != std::string::npos) {
        auto v = parse_uint(s.substr(slash + 1), 0, 128);
        if (!v) return false;
        len = static_cast<uint8_t>(*v);
    }
    Ipv6Address a{};
    if (address.find(':') == std::string::npos ||
        inet_pton(AF_INET6, address.c_str(), a.data()) != 1)
        return false;
    addr = a;
    prefix_len = len;
    return true;
}

std::string format_ipv6(const Ipv6Address& addr) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, addr.data(), buf, sizeof buf);
    return buf;
}

Ipv6Address ipv6_link_local(Mac mac) {
    const auto octet = [mac](int i) { return static_cast<uint8_t>(mac >> (40 - 8 * i)); };
    return {0xfe,
            0x80,
            0,
            0,
            0,
            0,
            0,
            0,
            static_cast<uint8_t>(octet(0) ^ 0x02),  // the universal/local bit, inverted
            octet(1),
            octet(2),
            0xff,
            0xfe,
            octet(3),
            octet(4),
            octet(5)};
}

}  // namespace vsw
