// `conntrack show`'s JSON (conntrack_view.h).
#include "src/control/controllers/conntrack_view.h"

#include "core/ipv4.h"
#include "core/ipv6.h"
#include "src/datapath/acl_table.h"

namespace vsw {

namespace {

using conntrack::CtKey;

std::string address(const CtKey& k, unsigned endpoint) {
    const uint8_t* a = k.addr[endpoint];
    if (k.family == 4)
        return format_ipv4(uint32_t{a[0]} << 24 | uint32_t{a[1]} << 16 | uint32_t{a[2]} << 8 |
                           a[3]);
    Ipv6Address v6;
    std::copy(a, a + 16, v6.begin());
    return format_ipv6(v6);
}

std::string protocol_name(uint8_t p) {
    switch (p) {
        case conntrack::kProtoTcp: return "tcp";
        case conntrack::kProtoUdp: return "udp";
        case conntrack::kProtoIcmp: return "icmp";
        case conntrack::kProtoIcmpv6: return "icmpv6";
        case conntrack::kProtoSctp: return "sctp";
        default: return std::to_string(p);
    }
}

// One direction's tuple: sent by endpoint `from` of the key.
nlohmann::json tuple(const CtKey& k, unsigned from) {
    const unsigned to = 1 - from;
    nlohmann::json t = {{"src", address(k, from)}, {"dst", address(k, to)}};
    if (k.protocol == conntrack::kProtoIcmp || k.protocol == conntrack::kProtoIcmpv6) {
        t["type"] = k.port[1] >> 8;
        t["id"] = k.port[0];
    } else if (k.protocol == conntrack::kProtoTcp || k.protocol == conntrack::kProtoUdp ||
               k.protocol == conntrack::kProtoSctp) {
        t["sport"] = k.port[from];
        t["dport"] = k.port[to];
    }
    return t;
}

}  // namespace

nlohmann::json connection_view(const conntrack::CtEntryView& c, const std::string& port,
                               uint64_t now_ms) {
    const bool replied = c.status & conntrack::kCtSeenReply;
    std::string state;
    if (c.key.protocol == conntrack::kProtoTcp)
        state = std::string(conntrack::tcp_state_name(c.tcp_state));
    else state = replied ? "REPLIED" : "UNREPLIED";
    return {{"port", port},
            {"protocol", protocol_name(c.key.protocol)},
            {"family", c.key.family == 6 ? "ipv6" : "ipv4"},
            {"state", state},
            {"timeout_s", c.expires_ms > now_ms ? (c.expires_ms - now_ms) / 1000 : 0},
            {"original", tuple(c.key, c.orig_side)},
            {"reply", tuple(c.key, 1u - c.orig_side)},
            {"seen_reply", replied},
            {"assured", (c.status & conntrack::kCtAssured) != 0},
            {"opened", c.mark == kCtMarkIngress ? "ingress" : "egress"}};
}

nlohmann::json counts_view(const conntrack::CtCounts& c) {
    nlohmann::json tcp = nlohmann::json::object();
    for (unsigned s = 1; s < conntrack::kTcpStateCount; ++s)
        if (c.tcp[s])
            tcp[std::string(conntrack::tcp_state_name(static_cast<conntrack::TcpState>(s)))] =
                c.tcp[s];
    return {{"connections", c.connections},
            {"tcp", tcp},
            {"udp", c.udp},
            {"icmp", c.icmp},
            {"other", c.other},
            {"unreplied", c.unreplied},
            {"assured", c.assured}};
}

}  // namespace vsw
