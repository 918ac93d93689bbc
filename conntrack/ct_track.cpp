// Connection tracking of one packet (ct_track.h): TCP through tcp_tracking, UDP and others by
// Linux's unreplied/stream rule, ICMP queries by request and reply, ICMP errors by the
// connection they embed.
#include "conntrack/ct_track.h"

#include "conntrack/tcp_tracking.h"

namespace vsw::conntrack {
namespace {

CtResult invalid(CtInvalid why, CtEntry* e = nullptr, CtDir dir = CtDir::kOriginal) {
    return {CtState::kInvalid, why, dir, e};
}

bool is_icmp(uint8_t protocol) {
    return protocol == kProtoIcmp || protocol == kProtoIcmpv6;
}

// Moves the deadline to `seconds` from now (plus the slack), unless it already lies in
// [that, that + slack): a busy connection writes its deadline once a second.
void refresh(CtEntry& e, uint64_t now_ms, uint32_t seconds) {
    const uint64_t want = now_ms + uint64_t{seconds} * 1000;
    const uint64_t cur = e.expires_ms.load(std::memory_order_relaxed);
    if (cur < want || cur > want + kCtRefreshSlackMs)
        e.expires_ms.store(want + kCtRefreshSlackMs, std::memory_order_relaxed);
}

// Lowers the deadline to `seconds` from now if it is later.
void cap(CtEntry& e, uint64_t now_ms, uint32_t seconds) {
    const uint64_t want = now_ms + uint64_t{seconds} * 1000 + kCtRefreshSlackMs;
    if (e.expires_ms.load(std::memory_order_relaxed) > want)
        e.expires_ms.store(want, std::memory_order_relaxed);
}

void set_status(CtEntry& e, uint8_t bits) {
    if ((e.status.load(std::memory_order_relaxed) & bits) != bits)
        e.status.fetch_or(bits, std::memory_order_relaxed);
}

// New before the first reply (original direction), established after it or in reply.
CtState passing_state(CtDir dir, uint8_t status) {
    return dir == CtDir::kOriginal && !(status & kCtSeenReply) ? CtState::kNew
                                                               : CtState::kEstablished;
}

// The packet's live connection; one past its deadline is ended here.
CtEntry* live_entry(CtTable& t, const CtKey& k, uint64_t h, uint64_t now_ms) {
    CtEntry* e = t.find(k, h);
    if (e && e->expires_ms.load(std::memory_order_relaxed) <= now_ms) {
        t.kill(*e);
        return nullptr;
    }
    return e;
}

// A packet with no connection: may it open one?
CtResult unknown(const CtPacket& p) {
    if (p.key.protocol == kProtoTcp) {
        if (!tcp_flags_valid(p.tcp.flags)) return invalid(CtInvalid::kBadTcpFlags);
        if (!tcp_opens(p.tcp)) return invalid(CtInvalid::kCannotOpen);
    } else if (is_icmp(p.key.protocol) && p.icmp_reply) {
        return invalid(CtInvalid::kCannotOpen);
    }
    return {CtState::kNew, CtInvalid::kNone, CtDir::kOriginal, nullptr};
}

// TCP: the segment through the connection's tracker, under its lock. `gone`: the entry ended
// (reopened or killed) while we held it.
CtResult check_tcp(CtTable& t, CtEntry& e, const CtPacket& p, uint64_t now_ms, const CtTimeouts& to,
                   bool& gone) {
    const CtDir dir = e.dir_of(p.side);
    e.lock_tcp();
    if (e.life.load(std::memory_order_acquire) != CtLife::kLive) {
        e.unlock_tcp();
        gone = true;
        return {};
    }
    const uint8_t status = e.status.load(std::memory_order_relaxed);
    const TcpVerdict v =
        tcp_track(e.tcp, dir, p.tcp, status & kCtSeenReply, status & kCtAssured, to);
    const bool passes = v.action == TcpAction::kAccept || v.action == TcpAction::kIgnore ||
                        v.action == TcpAction::kKill;
    if (passes && dir == CtDir::kReply) set_status(e, kCtSeenReply);
    if (v.action == TcpAction::kAccept) {
        if (v.timeout_s) refresh(e, now_ms, v.timeout_s);
        if (v.assured) set_status(e, kCtAssured);
    }
    if (v.action == TcpAction::kInvalid && v.timeout_s) cap(e, now_ms, v.timeout_s);
    e.unlock_tcp();
    switch (v.action) {
        case TcpAction::kInvalid: return invalid(v.reason, &e, dir);
        case TcpAction::kReopen:  // the SYN opens a new connection in place of the old one
            t.kill(e);
            gone = true;
            return {};
        case TcpAction::kKill: t.kill(e); break;
        default: break;
    }
    return {passing_state(dir, status), CtInvalid::kNone, dir, &e};
}

// UDP, SCTP and others: Linux's UDP rule.
CtResult check_datagram(CtEntry& e, const CtPacket& p, uint64_t now_ms, const CtTimeouts& to) {
    const CtDir dir = e.dir_of(p.side);
    const uint8_t status = e.status.load(std::memory_order_relaxed);
    uint32_t timeout = to.udp_unreplied;
    if ((status & kCtSeenReply) && now_ms >= e.stream_ms) {
        timeout = to.udp_replied;  // traffic both ways, still going after 2 s: a stream
        set_status(e, kCtAssured);
    }
    refresh(e, now_ms, timeout);
    if (dir == CtDir::kReply) set_status(e, kCtSeenReply);
    return {passing_state(dir, status), CtInvalid::kNone, dir, &e};
}

// ICMP queries: a request opens, its replies come back.
CtResult check_icmp(CtEntry& e, const CtPacket& p, uint64_t now_ms, const CtTimeouts& to) {
    const CtDir dir = e.dir_of(p.side);
    if (p.icmp_reply != (dir == CtDir::kReply)) return invalid(CtInvalid::kCannotOpen, &e, dir);
    const uint8_t status = e.status.load(std::memory_order_relaxed);
    refresh(e, now_ms, to.icmp);
    if (dir == CtDir::kReply) set_status(e, kCtSeenReply);
    return {passing_state(dir, status), CtInvalid::kNone, dir, &e};
}

void init_entry(CtEntry& e, const CtPacket& p, uint64_t now_ms, const CtTimeouts& to,
                uint8_t mark) {
    e.orig_side = p.side;
    e.mark = mark;
    e.stream_ms = now_ms + to.udp_stream_ms;
    uint32_t timeout = to.udp_unreplied;
    if (p.key.protocol == kProtoTcp) {
        tcp_open(e.tcp, p.tcp);
        const TcpVerdict v = tcp_track(e.tcp, CtDir::kOriginal, p.tcp, false, false, to);
        timeout = v.timeout_s ? v.timeout_s : to.tcp[static_cast<unsigned>(TcpState::kSynSent)];
    } else if (is_icmp(p.key.protocol)) {
        timeout = to.icmp;
    }
    e.expires_ms.store(now_ms + uint64_t{timeout} * 1000 + kCtRefreshSlackMs,
                       std::memory_order_relaxed);
}

}  // namespace

CtResult ct_check(CtTable& t, const CtPacket& p, uint64_t h, uint64_t now_ms,
                  const CtTimeouts& to) {
    CtEntry* e = live_entry(t, p.key, h, now_ms);
    if (p.related) {
        if (!e) return invalid(CtInvalid::kNoRelated);
        return {CtState::kRelated, CtInvalid::kNone, e->dir_of(p.side), e};
    }
    if (!e) return unknown(p);
    if (p.key.protocol == kProtoTcp) {
        bool gone = false;
        const CtResult r = check_tcp(t, *e, p, now_ms, to, gone);
        return gone ? unknown(p) : r;
    }
    if (is_icmp(p.key.protocol)) return check_icmp(*e, p, now_ms, to);
    return check_datagram(*e, p, now_ms, to);
}

CtCommitResult ct_commit(CtTable& t, const CtPacket& p, uint64_t h, uint64_t now_ms,
                         const CtTimeouts& to, uint8_t mark) {
    if (p.related) return {CtTable::InsertResult::kFull, invalid(CtInvalid::kCannotOpen)};
    const CtResult first = unknown(p);
    if (first.state == CtState::kInvalid) return {CtTable::InsertResult::kFull, first};
    CtCommitResult c;
    // Twice at most: a connection another PMD committed may end before we check against it.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const CtTable::Insert ins =
            t.insert(p.key, h, [&](CtEntry& e) { init_entry(e, p, now_ms, to, mark); });
        c.insert = ins.result;
        switch (ins.result) {
            case CtTable::InsertResult::kInserted:
                c.result = {CtState::kNew, CtInvalid::kNone, CtDir::kOriginal, ins.entry};
                return c;
            case CtTable::InsertResult::kFull:
            case CtTable::InsertResult::kZoneFull:
                c.result = {CtState::kNew, CtInvalid::kNone, CtDir::kOriginal, nullptr};
                return c;
            case CtTable::InsertResult::kExists:
                c.result = ct_check(t, p, h, now_ms, to);
                if (c.result.state != CtState::kNew || c.result.entry) return c;
                break;
        }
    }
    return c;
}

}  // namespace vsw::conntrack
