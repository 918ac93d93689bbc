// libFuzzer target: frames from guests through connection tracking (conntrack/ct_key.h,
// conntrack/ct_track.h, conntrack/tcp_tracking.h). The key reader never reads past the
// contiguous bytes (the frame's prefixes are read too, as first segments of a longer frame);
// a key it gives is canonical (ordered endpoints, IPv4's unused bytes zero, the zone given,
// ordering it again changes nothing); the packet and its mirror image, checked and committed
// again and again in a small table with time running, keep the table within its bounds and
// every verdict coherent; and the fuzz bytes read as a series of TCP segments in both
// directions keep the TCP tracker in its states with a reason for every invalid verdict.
#include <cstdint>
#include <cstring>
#include <vector>

#include "conntrack/ct_key.h"
#include "conntrack/ct_table.h"
#include "conntrack/ct_track.h"
#include "conntrack/tcp_tracking.h"
#include "core/bytes.h"

using namespace vsw::conntrack;

namespace {

void check_key(const CtPacket& p, size_t size) {
    const CtKey& k = p.key;
    if (k.zone != 5 || (k.family != 4 && k.family != 6) || p.side > 1) __builtin_trap();
    if (k.family == 4)
        for (int e = 0; e < 2; ++e)
            for (int i = 4; i < 16; ++i)
                if (k.addr[e][i]) __builtin_trap();
    const int order = memcmp(k.addr[0], k.addr[1], 16);
    const bool icmp = k.protocol == kProtoIcmp || k.protocol == kProtoIcmpv6;
    if (order > 0 || (!icmp && order == 0 && k.port[0] > k.port[1])) __builtin_trap();
    CtKey again = k;
    if (canonicalize(again) != 0 || !(again == k)) __builtin_trap();
    if (p.l4_offset > size || (p.l3_offset != 14 && p.l3_offset != 18)) __builtin_trap();
    if (p.tcp.wscale != kNoWindowScale && p.tcp.wscale > 14) __builtin_trap();
    if (p.related && p.icmp_reply) __builtin_trap();
}

void check_result(const CtResult& r) {
    if ((r.state == CtState::kInvalid) != (r.reason != CtInvalid::kNone)) __builtin_trap();
    if (r.state == CtState::kRelated && !r.entry) __builtin_trap();
}

// The packet and its mirror image (the other side sending the same segment) through a table
// of 8 connections, 4 per zone, for a simulated minute.
void track(const CtPacket& p) {
    CtTable t(8, 4);
    const CtTimeouts to;
    CtPacket mirror = p;
    mirror.side = static_cast<uint8_t>(1 - p.side);
    const uint64_t h = CtTable::hash(p.key);
    for (uint64_t now = 1000; now < 61000; now += 1500) {
        const CtPacket* both[] = {&p, &mirror};
        for (const CtPacket* q : both) {
            CtResult r = ct_check(t, *q, h, now, to);
            check_result(r);
            if (r.state == CtState::kNew && !r.entry) {
                const CtCommitResult c = ct_commit(t, *q, h, now, to);
                check_result(c.result);
                if (c.insert == CtTable::InsertResult::kInserted && !c.result.entry)
                    __builtin_trap();
            }
            if (r.entry && !(r.entry->key == p.key)) __builtin_trap();
        }
        if (t.size() > 1 || t.zone_size(5) > 1) __builtin_trap();  // one key: one connection
        t.sweep(now, t.pool_size());
        t.reclaim(t.retire_mark());
    }
    t.sweep(~uint64_t{0}, t.pool_size());
    t.reclaim(t.retire_mark());
    if (t.size() != 0 || t.awaiting_reclaim() != 0) __builtin_trap();
}

// The bytes as TCP segments of 12 bytes each (seq, ack, flags, window, payload, direction)
// after an opening SYN.
void tcp_segments(const uint8_t* d, size_t size) {
    TcpSegment syn;
    syn.seq = 1000;
    syn.flags = kTcpSyn;
    syn.window = 1024;
    syn.wscale = static_cast<uint8_t>(size % 16 == 15 ? kNoWindowScale : size % 16);
    syn.sack_perm = size % 2;
    TcpConn c;
    tcp_open(c, syn);
    const CtTimeouts to;
    bool seen_reply = false, assured = false;
    tcp_track(c, CtDir::kOriginal, syn, false, false, to);
    for (size_t at = 0; at + 12 <= size; at += 12) {
        TcpSegment s;
        s.seq = vsw::get_be32(d + at);
        s.ack = vsw::get_be32(d + at + 4);
        s.sack = s.ack;
        s.flags = d[at + 8];
        s.window = static_cast<uint16_t>(d[at + 9] << 8);
        s.payload = d[at + 10] * 16u;
        s.wscale =
            (d[at + 11] & 0x0f) > 14 ? kNoWindowScale : static_cast<uint8_t>(d[at + 11] & 0x0f);
        const CtDir dir = d[at + 11] & 0x80 ? CtDir::kReply : CtDir::kOriginal;
        const TcpVerdict v = tcp_track(c, dir, s, seen_reply, assured, to);
        if ((v.action == TcpAction::kInvalid) != (v.reason != CtInvalid::kNone)) __builtin_trap();
        if (static_cast<unsigned>(c.state) >= kTcpStateCount) __builtin_trap();
        if (v.action == TcpAction::kReopen || v.action == TcpAction::kKill) {
            tcp_open(c, syn);
            seen_reply = assured = false;
            continue;
        }
        if (v.action != TcpAction::kInvalid && dir == CtDir::kReply) seen_reply = true;
        if (v.assured) assured = true;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Exact-size copies: ASan sees any read past the bytes.
    std::vector<uint8_t> frame(data, data + size);
    for (size_t n = 0; n < size && n < 160; n += 5) {
        std::vector<uint8_t> first(data, data + n);
        CtPacket q;
        if (read_ct_packet(first.data(), static_cast<uint32_t>(n), static_cast<uint32_t>(size), 5,
                           q) == CtKeyError::kNone)
            check_key(q, n);
    }
    CtPacket p;
    if (read_ct_packet(frame.data(), static_cast<uint32_t>(size), static_cast<uint32_t>(size), 5,
                       p) == CtKeyError::kNone) {
        check_key(p, size);
        track(p);
    }
    tcp_segments(data, size);
    return 0;
}
