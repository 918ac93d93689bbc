// TCP connection tracking (tcp_tracking.h): Linux 6.1's nf_conntrack_proto_tcp.c, its state
// table and tcp_in_window, rewritten over TcpConn. Comments name Linux's variables where ours
// differ.
#include "conntrack/tcp_tracking.h"

namespace vsw::conntrack {
namespace {

constexpr std::string_view kStateNames[] = {
#define VSW_X(e, name) name,
    VSW_TCP_STATES(VSW_X)
#undef VSW_X
};

// A segment's kind (Linux's get_conntrack_index), the rows of the state table.
enum Index : uint8_t { kSynSet, kSynAckSet, kFinSet, kAckSet, kRstSet, kNoneSet };

// The state table's cells: a TcpState, or one of these.
constexpr uint8_t kIV = 10;  // invalid
constexpr uint8_t kIG = 11;  // ignored

constexpr uint8_t sSS = 1, sSR = 2, sES = 3, sFW = 4, sCW = 5, sLA = 6, sTW = 7, sCL = 8,
                  sS2 = 9;  // (NONE: 0)

// [direction][segment kind][state] -> new state (Linux's tcp_conntracks, with its reasons).
constexpr uint8_t kTable[2][6][kTcpStateCount] = {
    {
        // original:  sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2
        /* syn    */ {sSS, sSS, kIG, kIG, kIG, kIG, kIG, sSS, sSS, sS2},
        /* synack */ {kIV, kIV, sSR, kIV, kIV, kIV, kIV, kIV, kIV, sSR},
        /* fin    */ {kIV, kIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, kIV},
        /* ack    */ {sES, kIV, sES, sES, sCW, sCW, sTW, sTW, sCL, kIV},
        /* rst    */ {kIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
        /* none   */ {kIV, kIV, kIV, kIV, kIV, kIV, kIV, kIV, kIV, kIV},
    },
    {
        // reply:     sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2
        /* syn    */ {kIV, sS2, kIV, kIV, kIV, kIV, kIV, sSS, kIV, sS2},
        /* synack */ {kIV, sSR, kIG, kIG, kIG, kIG, kIG, kIG, kIG, sSR},
        /* fin    */ {kIV, kIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, kIV},
        /* ack    */ {kIV, kIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, kIG},
        /* rst    */ {kIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
        /* none   */ {kIV, kIV, kIV, kIV, kIV, kIV, kIV, kIV, kIV, kIV},
    },
};

bool before(uint32_t a, uint32_t b) {
    return static_cast<int32_t>(a - b) < 0;
}
bool after(uint32_t a, uint32_t b) {
    return before(b, a);
}

uint8_t index_of(uint8_t flags) {
    if (flags & kTcpRst) return kRstSet;
    if (flags & kTcpSyn) return flags & kTcpAck ? kSynAckSet : kSynSet;
    if (flags & kTcpFin) return kFinSet;
    if (flags & kTcpAck) return kAckSet;
    return kNoneSet;
}

// Linux's segment_seq_plus_len: where the segment ends in sequence space.
uint32_t segment_end(const TcpSegment& s) {
    return s.seq + s.payload + (s.flags & kTcpSyn ? 1 : 0) + (s.flags & kTcpFin ? 1 : 0);
}

// Linux's tcp_options: the options a SYN or SYN-ACK announces (resets the other flags).
void take_options(TcpPeer& p, const TcpSegment& s) {
    p.scale = 0;
    p.flags = 0;
    if (s.sack_perm) p.flags |= kTcpPeerSackPerm;
    if (s.wscale != kNoWindowScale) {
        p.scale = s.wscale;
        p.flags |= kTcpPeerWindowScale;
    }
}

// Linux's tcp_init_sender: the sender's first SYN or SYN-ACK.
void init_sender(TcpPeer& sender, TcpPeer& receiver, const TcpSegment& s, uint32_t end) {
    sender.end = sender.maxend = end;
    sender.maxwin = s.window == 0 ? 1 : s.window;
    take_options(sender, s);
    // RFC 1323: window scaling only if both sides sent the option.
    if (!((sender.flags & kTcpPeerWindowScale) && (receiver.flags & kTcpPeerWindowScale))) {
        sender.scale = 0;
        receiver.scale = 0;
    }
}

uint32_t max_ack_window(const TcpPeer& sender) {
    return sender.maxwin > 66000 ? sender.maxwin : 66000;  // Linux's MAXACKWINDOW
}

enum class Window : uint8_t { kAccept, kIgnore, kSeqHigh, kAckHigh };

// Linux's tcp_in_window: checks the segment against both directions' windows and, if it fits,
// moves them.
Window in_window(TcpConn& c, unsigned dir, uint8_t index, const TcpSegment& s) {
    TcpPeer& sender = c.seen[dir];
    TcpPeer& receiver = c.seen[!dir];
    uint32_t seq = s.seq;
    uint32_t ack = s.ack;
    uint32_t sack = s.ack;
    uint32_t win = s.window;
    uint32_t end = segment_end(s);
    if (receiver.flags & kTcpPeerSackPerm) sack = s.sack;
    const bool syn = s.flags & kTcpSyn;
    const bool has_ack = s.flags & kTcpAck;

    if (sender.maxwin == 0) {
        if (syn) {  // a SYN-ACK answering a SYN, or the reply's SYN in a simultaneous open
            init_sender(sender, receiver, s, end);
            if (!has_ack) return Window::kAccept;  // simultaneous open
        } else {  // the reply direction's first segment is not a SYN-ACK
            sender.end = end;
            const uint32_t swin = win << sender.scale;
            sender.maxwin = swin == 0 ? 1 : swin;
            sender.maxend = end + sender.maxwin;
            if (receiver.maxwin == 0) {
                receiver.end = receiver.maxend = sack;
            } else if (sack == receiver.end + 1) {
                ++receiver.end;  // likely the answer to a keepalive
            }
        }
    } else if (syn && after(end, sender.end) &&
               (c.state == TcpState::kSynSent || c.state == TcpState::kSynRecv)) {
        // RFC 793: a reinitialized TCP may reopen with higher sequence numbers.
        init_sender(sender, receiver, s, end);
        if (dir == 1 && !has_ack) return Window::kAccept;
    }

    if (!has_ack) {
        ack = sack = receiver.end;  // pretend it acknowledged what was sent
    } else if ((s.flags & kTcpRst) && ack == 0) {
        ack = sack = receiver.end;  // broken stacks send RST+ACK with ACK 0
    }
    if ((s.flags & kTcpRst) && seq == 0 && c.state == TcpState::kSynSent)
        seq = end = sender.end;  // a RST answering a SYN

    if (!before(seq, sender.maxend + 1)) return Window::kSeqHigh;
    const bool in_receive_window =
        receiver.maxwin == 0 || after(end, sender.end - receiver.maxwin - 1);
    if (!in_receive_window) return Window::kIgnore;  // already acknowledged data again
    if (!before(sack, receiver.end + 1)) return Window::kAckHigh;
    if (!after(sack, receiver.end - max_ack_window(sender) - 1))
        return Window::kIgnore;  // an overly delayed ACK

    if (!syn) win <<= sender.scale;
    // The sender.
    const uint32_t swin = win + (sack - ack);
    if (sender.maxwin < swin) sender.maxwin = swin;
    if (after(end, sender.end)) {
        sender.end = end;
        sender.flags |= kTcpPeerDataUnacked;
    }
    if (has_ack) {
        if (!(sender.flags & kTcpPeerMaxAckSet)) {
            sender.maxack = ack;
            sender.flags |= kTcpPeerMaxAckSet;
        } else if (after(ack, sender.maxack)) {
            sender.maxack = ack;
        }
    }
    // The receiver.
    if (receiver.maxwin != 0 && after(end, sender.maxend)) receiver.maxwin += end - sender.maxend;
    if (after(sack + win, receiver.maxend - 1)) {
        receiver.maxend = sack + win;
        if (win == 0) ++receiver.maxend;
    }
    if (ack == receiver.end) receiver.flags &= ~kTcpPeerDataUnacked;
    // Retransmissions: the same ACK segment again and again.
    if (index == kAckSet) {
        if (c.last_dir == dir && c.last_seq == seq && c.last_ack == ack && c.last_end == end &&
            c.last_win == win) {
            if (c.retrans < 255) ++c.retrans;
        } else {
            c.last_dir = static_cast<uint8_t>(dir);
            c.last_seq = seq;
            c.last_ack = ack;
            c.last_end = end;
            c.last_win = static_cast<uint16_t>(win);
            c.retrans = 0;
        }
    }
    return Window::kAccept;
}

bool closing(TcpState s) {  // Linux's tcp_can_early_drop
    return s == TcpState::kFinWait || s == TcpState::kLastAck || s == TcpState::kTimeWait ||
           s == TcpState::kClose || s == TcpState::kCloseWait;
}

TcpVerdict invalid(CtInvalid reason, uint32_t cap_s = 0) {
    return {TcpAction::kInvalid, reason, cap_s, false};
}

// Linux's nf_tcp_handle_invalid: an assured connection whose FIN or RST answers the other
// side's is out of sync: its lifetime is capped at "unack" (unless already shorter); others
// remember the segment's kind.
TcpVerdict handle_invalid(TcpConn& c, unsigned dir, uint8_t index, bool assured, CtInvalid why,
                          const CtTimeouts& t) {
    if (!assured || (index != kRstSet && index != kFinSet)) return invalid(why);
    if (c.last_dir != dir && (c.last_index == kFinSet || c.last_index == kRstSet))
        return invalid(why, t.tcp_unack);
    c.last_index = index;
    c.last_dir = static_cast<uint8_t>(dir);
    return invalid(why);
}

// The ignored-segment path: remembers the segment so that a later answer can resynchronize.
TcpVerdict ignore(TcpConn& c, unsigned dir, uint8_t index, const TcpSegment& s,
                  TcpState old_state) {
    c.last_index = index;
    c.last_dir = static_cast<uint8_t>(dir);
    c.last_seq = s.seq;
    c.last_end = segment_end(s);
    c.last_win = s.window;
    if (index == kSynSet && dir == 0) {
        // A SYN in ORIGINAL: note its options; if valid, the server's SYN-ACK resyncs us.
        TcpPeer seen;
        take_options(seen, s);
        c.last_flags = seen.flags & (kTcpPeerWindowScale | kTcpPeerSackPerm);
        c.last_wscale = seen.scale;
        if (old_state == TcpState::kLastAck) c.last_flags |= kTcpChallengeAck;
    }
    if (old_state == TcpState::kSynSent && index == kAckSet && dir == 1) c.last_ack = s.ack;
    return {TcpAction::kIgnore, CtInvalid::kNone, 0, false};
}

}  // namespace

std::string_view tcp_state_name(TcpState s) {
    const auto i = static_cast<unsigned>(s);
    return i < kTcpStateCount ? kStateNames[i] : "?";
}

bool tcp_flags_valid(uint8_t flags) {
    switch (flags & ~(kTcpEce | kTcpCwr | kTcpPsh)) {
        case kTcpSyn:
        case kTcpSyn | kTcpUrg:
        case kTcpSyn | kTcpAck:
        case kTcpRst:
        case kTcpRst | kTcpAck:
        case kTcpFin | kTcpAck:
        case kTcpFin | kTcpAck | kTcpUrg:
        case kTcpAck:
        case kTcpAck | kTcpUrg: return true;
        default: return false;
    }
}

bool tcp_opens(const TcpSegment& s) {
    return tcp_flags_valid(s.flags) && index_of(s.flags) == kSynSet;
}

void tcp_open(TcpConn& c, const TcpSegment& s) {
    c = TcpConn{};
    TcpPeer& p = c.seen[0];
    p.end = p.maxend = segment_end(s);
    p.maxwin = s.window == 0 ? 1 : s.window;
    take_options(p, s);
}

TcpVerdict tcp_track(TcpConn& c, CtDir direction, const TcpSegment& s, bool seen_reply,
                     bool assured, const CtTimeouts& t) {
    if (!tcp_flags_valid(s.flags)) return invalid(CtInvalid::kBadTcpFlags);
    const unsigned dir = static_cast<unsigned>(direction);
    const uint8_t index = index_of(s.flags);
    TcpState old_state = c.state;
    uint8_t new_state = kTable[dir][index][static_cast<unsigned>(old_state)];
    bool window_checked = true;

    switch (new_state) {
        case sSS:
            if (old_state < TcpState::kTimeWait) break;
            // A SYN on a closed connection: reopen it if it was closed by a FIN, or by a RST
            // from the same side; otherwise the SYN is ignored below.
            if (((c.seen[dir].flags | c.seen[!dir].flags) & kTcpPeerCloseInit) ||
                (c.last_dir == dir && c.last_index == kRstSet))
                return {TcpAction::kReopen, CtInvalid::kNone, 0, false};
            [[fallthrough]];
        case kIG:
            if (index == kSynAckSet && c.last_index == kSynSet && c.last_dir != dir &&
                s.ack == c.last_end) {
                // This SYN-ACK answers a SYN we ignored: client and server are in sync and we
                // are not. Resynchronize from what was noted of that SYN.
                old_state = TcpState::kSynSent;
                new_state = sSR;
                TcpPeer& p = c.seen[c.last_dir];
                p.end = p.maxend = c.last_end;
                p.maxwin = c.last_win == 0 ? 1 : c.last_win;
                p.scale = c.last_wscale;
                c.last_flags &= ~kTcpChallengeAck;
                p.flags = c.last_flags;
                c.seen[dir] = TcpPeer{};
                break;
            }
            return ignore(c, dir, index, s, old_state);
        case kIV: return invalid(CtInvalid::kOutOfState);
        case sTW:
            if (old_state == TcpState::kLastAck && index == kAckSet && c.last_dir != dir &&
                c.last_index == kSynSet && (c.last_flags & kTcpChallengeAck)) {
                // An RFC 5961 challenge ACK to a SYN: it does not acknowledge the last FIN.
                c.last_flags &= ~kTcpChallengeAck;
                return {TcpAction::kIgnore, CtInvalid::kNone, 0, false};
            }
            break;
        case sCL: {
            if (index != kRstSet) break;
            if (closing(c.state)) {  // the tuple may have been reused: skip the checks
                window_checked = false;
                break;
            }
            const bool established = c.state == TcpState::kEstablished && assured;
            if ((c.seen[!dir].flags & kTcpPeerMaxAckSet) && c.last_index != kSynSet) {
                if (s.seq == 0 && !established) break;  // answers a SYN we let through
                if (before(s.seq, c.seen[!dir].maxack)) return invalid(CtInvalid::kInvalidRst);
                if (!established || s.seq == c.seen[!dir].maxack) break;
                if (c.last_index == kAckSet && c.last_dir == dir && s.seq == c.last_end) break;
                // Not exactly at the ACK: stay, the peer may send a challenge ACK.
                new_state = static_cast<uint8_t>(old_state);
            }
            if (((seen_reply && c.last_index == kSynSet) ||
                 (!assured && c.last_index == kAckSet)) &&
                s.ack == c.last_end)
                window_checked = false;  // a RST to a SYN or ACK we let through: no window check
            break;
        }
        default: break;
    }

    if (window_checked) {
        switch (in_window(c, dir, index, s)) {
            case Window::kAccept: break;
            case Window::kIgnore: return {TcpAction::kIgnore, CtInvalid::kNone, 0, false};
            case Window::kSeqHigh:
                return handle_invalid(c, dir, index, assured, CtInvalid::kSeqAboveWindow, t);
            case Window::kAckHigh:
                return handle_invalid(c, dir, index, assured, CtInvalid::kAckAboveSent, t);
        }
    }

    // In window from here on.
    c.last_index = index;
    c.last_dir = static_cast<uint8_t>(dir);
    const auto next = static_cast<TcpState>(new_state);
    c.state = next;
    if (old_state != next && next == TcpState::kFinWait) c.seen[dir].flags |= kTcpPeerCloseInit;

    uint32_t timeout = t.tcp[new_state];
    if (c.retrans >= kTcpMaxRetrans && timeout > t.tcp_retrans) {
        timeout = t.tcp_retrans;
    } else if (index == kRstSet) {
        // as named
    } else if (((c.seen[0].flags | c.seen[1].flags) & kTcpPeerDataUnacked) &&
               timeout > t.tcp_unack) {
        timeout = t.tcp_unack;
    } else if (c.last_win == 0 && timeout > t.tcp_retrans) {
        timeout = t.tcp_retrans;
    }

    TcpVerdict v{TcpAction::kAccept, CtInvalid::kNone, timeout, false};
    if (!seen_reply) {
        // A RST while the other side never answered: the connection ends (a closed port).
        if (s.flags & kTcpRst) return {TcpAction::kKill, CtInvalid::kNone, 0, false};
        // A retransmitted SYN does not renew the deadline (a reused port must not keep it).
        if (index == kSynSet && old_state == TcpState::kSynSent) v.timeout_s = 0;
        if (next == TcpState::kEstablished && timeout > t.tcp_unack) v.timeout_s = t.tcp_unack;
    } else if (!assured &&
               (old_state == TcpState::kSynRecv || old_state == TcpState::kEstablished) &&
               next == TcpState::kEstablished) {
        v.assured = true;  // a valid ACK after the handshake
    }
    return v;
}

}  // namespace vsw::conntrack
