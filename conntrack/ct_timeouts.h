// How long a connection lives without packets, per protocol and state. Linux 6.1's defaults
// (net.netfilter.nf_conntrack_*_timeout*), with one exception: an idle ESTABLISHED TCP
// connection lives 24 hours, as in Open vSwitch's userspace conntrack, not Linux's 5 days: the
// table is bounded, and a guest that vanished should not hold its entries for most of a week.
//
//   TCP       SYN_SENT 120 s, SYN_RECV 60 s, ESTABLISHED 24 h, FIN_WAIT 120 s, CLOSE_WAIT 60 s,
//             LAST_ACK 30 s, TIME_WAIT 120 s, CLOSE 10 s, SYN_SENT2 120 s; at most 300 s while
//             data is unacknowledged or after 3 retransmissions (Linux's "unack" and "retrans")
//   UDP       30 s until traffic both ways; then 120 s once it lasts past 2 s from the first
//             packet (the connection is then "assured"), as Linux 6.1's stream rule
//   ICMP      30 s (queries: echo...), refreshed by every packet
//   others    SCTP and other IP protocols follow UDP's rule (Linux tracks SCTP's chunks and
//             gives other protocols 600 s; vsw does neither)
#pragma once

#include <cstdint>

namespace vsw::conntrack {

constexpr unsigned kTcpStateCount = 10;  // TcpState's values (tcp_tracking.h)

struct CtTimeouts {
    // Seconds per TcpState: NONE (unused), SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT,
    // CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2.
    uint32_t tcp[kTcpStateCount] = {0, 120, 60, 86400, 120, 60, 30, 120, 10, 120};
    uint32_t tcp_retrans = 300;     // cap after kTcpMaxRetrans identical retransmissions
    uint32_t tcp_unack = 300;       // cap while data is unacknowledged
    uint32_t udp_unreplied = 30;    // UDP (and others) until a reply, or before `stream`
    uint32_t udp_replied = 120;     // UDP once assured
    uint32_t udp_stream_ms = 2000;  // how long after its first packet a replied UDP
                                    // connection becomes assured
    uint32_t icmp = 30;             // ICMP queries
};

constexpr unsigned kTcpMaxRetrans = 3;  // Linux's nf_conntrack_tcp_max_retrans

}  // namespace vsw::conntrack
