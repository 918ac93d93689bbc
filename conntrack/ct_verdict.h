// What connection tracking says of a packet: its state (as iptables' `--ctstate` names them)
// and, for an invalid one, why. One vocabulary for the TCP tracker, the UDP/ICMP rules and
// the datapath's drop counters (`ct_invalid` per reason).
#pragma once

#include <cstdint>
#include <string_view>

namespace vsw::conntrack {

// X(enumerator, name)
#define VSW_CT_STATES(X)                                                                         \
    X(kNew, "new")                 /* opens a connection, or repeats its opening before a reply: \
                                      the rules decide */                                        \
    X(kEstablished, "established") /* part of a connection that has seen traffic both ways, or   \
                                      its reply direction */                                     \
    X(kRelated, "related")         /* an ICMP error about a tracked connection */                \
    X(kInvalid, "invalid")         /* dropped and counted (ct_invalid) */

enum class CtState : uint8_t {
#define VSW_X(e, name) e,
    VSW_CT_STATES(VSW_X)
#undef VSW_X
};

// Why a packet is invalid. X(enumerator, name).
#define VSW_CT_INVALID_REASONS(X)                                                              \
    X(kNone, "none")                                                                           \
    X(kBadTcpFlags, "bad_tcp_flags")       /* flags no TCP sends together: SYN+FIN, none... */ \
    X(kCannotOpen, "cannot_open")          /* no connection, and this packet cannot open one:  \
                                              a TCP ACK, RST, FIN, SYN-ACK; an ICMP reply */   \
    X(kOutOfState, "out_of_state")         /* the TCP state table refuses it: a SYN-ACK from   \
                                              the client, an ACK before the SYN-ACK... */      \
    X(kSeqAboveWindow, "seq_above_window") /* TCP data beyond the receiver's window */         \
    X(kAckAboveSent, "ack_above_sent")     /* TCP acknowledging data never sent */             \
    X(kInvalidRst, "invalid_rst")          /* a TCP RST below what the peer acknowledged */    \
    X(kNoRelated, "no_related")            /* an ICMP error about no tracked connection */

enum class CtInvalid : uint8_t {
#define VSW_X(e, name) e,
    VSW_CT_INVALID_REASONS(VSW_X)
#undef VSW_X
};

std::string_view ct_state_name(CtState s);
std::string_view ct_invalid_name(CtInvalid r);

// A connection's directions: the opener's packets are original, the other side's replies.
enum class CtDir : uint8_t { kOriginal = 0, kReply = 1 };

}  // namespace vsw::conntrack
