// TCP connection tracking: one connection's state, moved by its segments as Linux 6.1's
// nf_conntrack_proto_tcp moves it. Pure: no table, no time (the caller applies the timeout a
// verdict names), no locks (the caller serializes the segments of one connection).
//
// Depth: Linux's state table (including SYN_SENT2 for simultaneous open and the ignored
// packets that let a stale entry resynchronize), and its window tracking (tcp_in_window):
// per direction the highest sequence sent (td_end), the highest the receiver's window allows
// (td_maxend), the largest window seen (td_maxwin) and the highest ACK sent (td_maxack), with
// window scaling and SACK. A segment is
//   accepted   in state and in window: the state moves;
//   ignored    passed without moving the state (Linux's NF_ACCEPT without an update): a SYN-ACK
//              retransmitted, a SYN in ESTABLISHED, data already acknowledged retransmitted;
//   invalid    out of state (an ACK before the SYN-ACK, a SYN-ACK from the client), beyond
//              the receiver's window, acknowledging data never sent, a RST below the peer's ACK;
//   reopening  a SYN on a closed connection (TIME_WAIT or CLOSE after a FIN or this side's
//              RST): the caller ends the entry and tracks the SYN as a new connection;
//   killing    a RST while the connection never had a reply (a closed port's answer): it
//              passes and the connection ends now.
// Only a SYN opens (Linux with nf_conntrack_tcp_loose=0, Open vSwitch's rule): a connection is
// never picked up in the middle, so an ACK with no connection is invalid.
//
// Not done: checksums (guests offload them), Linux's be_liberal mode, SYN proxy.
#pragma once

#include <cstdint>
#include <string_view>

#include "conntrack/ct_key.h"
#include "conntrack/ct_timeouts.h"
#include "conntrack/ct_verdict.h"

namespace vsw::conntrack {

// X(enumerator, name): Linux's states and names.
#define VSW_TCP_STATES(X)                                                                   \
    X(kNone, "NONE")               /* before the first segment (never stored in a table) */ \
    X(kSynSent, "SYN_SENT")        /* the opener's SYN seen */                              \
    X(kSynRecv, "SYN_RECV")        /* the answer's SYN-ACK seen */                          \
    X(kEstablished, "ESTABLISHED") /* the handshake's last ACK seen */                      \
    X(kFinWait, "FIN_WAIT")        /* a FIN seen */                                         \
    X(kCloseWait, "CLOSE_WAIT")    /* a FIN seen and acknowledged */                        \
    X(kLastAck, "LAST_ACK")        /* FINs seen both ways */                                \
    X(kTimeWait, "TIME_WAIT")      /* the last FIN acknowledged */                          \
    X(kClose, "CLOSE")             /* a RST seen */                                         \
    X(kSynSent2, "SYN_SENT2")      /* SYNs seen both ways: a simultaneous open */

enum class TcpState : uint8_t {
#define VSW_X(e, name) e,
    VSW_TCP_STATES(VSW_X)
#undef VSW_X
};
static_assert(static_cast<unsigned>(TcpState::kSynSent2) + 1 == kTcpStateCount);

std::string_view tcp_state_name(TcpState s);

// What one direction's sender has shown (Linux's ip_ct_tcp_state).
struct TcpPeer {
    uint32_t end = 0;     // td_end: the highest sequence number it sent, plus its length
    uint32_t maxend = 0;  // td_maxend: the highest the receiver's window lets it reach
    uint32_t maxwin = 0;  // td_maxwin: the largest window it advertised (scaled); 0: not seen
    uint32_t maxack = 0;  // td_maxack: the highest ACK it sent (with kTcpPeerMaxAckSet)
    uint8_t scale = 0;    // td_scale: its window scale
    uint8_t flags = 0;    // kTcpPeer* bits
    uint8_t pad[2] = {};  // zero
};

// TcpPeer::flags (and TcpConn::last_flags).
constexpr uint8_t kTcpPeerWindowScale = 0x01;  // sent the window scale option
constexpr uint8_t kTcpPeerSackPerm = 0x02;     // sent SACK-permitted
constexpr uint8_t kTcpPeerCloseInit = 0x04;    // sent the first FIN
constexpr uint8_t kTcpPeerDataUnacked = 0x08;  // sent data not acknowledged yet
constexpr uint8_t kTcpPeerMaxAckSet = 0x10;    // maxack holds an ACK
constexpr uint8_t kTcpChallengeAck = 0x20;     // last_flags: a SYN in LAST_ACK may draw an ACK

// One connection's TCP state: 60 bytes, one cache line with the lock's neighbour.
struct TcpConn {
    TcpPeer seen[2];                   // per CtDir: the opener's side, the answer's side
    uint32_t last_seq = 0;             // the last accepted ACK-only or ignored segment's sequence
    uint32_t last_ack = 0;             // its ACK
    uint32_t last_end = 0;             // its sequence plus length
    uint16_t last_win = 0;             // its window
    TcpState state = TcpState::kNone;  // where the connection is
    uint8_t last_index = 5;            // the kind of the last segment (internal: SYN, SYN-ACK, FIN,
                                       // ACK, RST, none)
    uint8_t last_dir = 0;              // its CtDir
    uint8_t last_wscale = 0;           // an ignored SYN's window scale (for resynchronizing)
    uint8_t last_flags = 0;            // an ignored SYN's options (kTcpPeer*), kTcpChallengeAck
    uint8_t retrans = 0;               // identical ACK segments seen in a row
};
static_assert(sizeof(TcpConn) == 60);

enum class TcpAction : uint8_t { kAccept, kIgnore, kInvalid, kReopen, kKill };

struct TcpVerdict {
    TcpAction action = TcpAction::kAccept;  // what to do with the segment (see above)
    CtInvalid reason = CtInvalid::kNone;    // kInvalid: why
    uint32_t timeout_s = 0;                 // kAccept: the connection's new lifetime from now
                                            // (0: keep its deadline); kInvalid: if not 0, cap it
    bool assured = false;                   // kAccept: the connection is now assured
};

// True if no TCP sends these flags together (Linux's tcp_valid_flags, ECE/CWR/PSH aside).
bool tcp_flags_valid(uint8_t flags);

// True if `s` may open a connection: a SYN without ACK (and valid flags).
bool tcp_opens(const TcpSegment& s);

// Starts `c` from the opening SYN `s` (tcp_opens(s)); the caller then tracks `s` itself with
// tcp_track(), as Linux's tcp_new then tcp_packet do.
void tcp_open(TcpConn& c, const TcpSegment& s);

// Moves `c` with segment `s` travelling in direction `dir`. `seen_reply` and `assured` are the
// connection's status before this segment.
TcpVerdict tcp_track(TcpConn& c, CtDir dir, const TcpSegment& s, bool seen_reply, bool assured,
                     const CtTimeouts& t);

}  // namespace vsw::conntrack
