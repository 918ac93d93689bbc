// A connection tracking lab for tests: a table on a fake clock, fed whole frames as the
// datapath will feed it (the key, ct_check, then ct_commit for what is new and allowed).
#pragma once

#include <cstdint>

#include "conntrack/ct_key.h"
#include "conntrack/ct_table.h"
#include "conntrack/ct_track.h"
#include "tests/conntrack/ct_frames.h"

namespace vsw::conntrack::testing {

// A table on a fake clock, fed whole frames as the datapath will feed it.
struct CtLab {
    CtTable table;                // the connections
    CtTimeouts timeouts;          // Linux's defaults (ct_timeouts.h)
    uint64_t now_ms = 1'000'000;  // the fake clock
    uint16_t zone = 1;            // the zone frames are read in

    explicit CtLab(uint32_t capacity = 1024, uint32_t zone_limit = 0)
        : table(capacity, zone_limit) {}

    struct Outcome {
        CtKeyError parse = CtKeyError::kNone;  // the key's refusal, if any
        CtState state = CtState::kInvalid;     // what the packet is
        CtInvalid reason = CtInvalid::kNone;   // kInvalid: why
        CtDir dir = CtDir::kOriginal;          // its direction
        bool full = false;                     // new, and refused by the table (ct_full)
        CtEntry* entry = nullptr;              // its connection
    };

    // The frame through ct_check and, if new and allowed (`commit`), ct_commit.
    Outcome feed(const Frame& f, bool commit = true) {
        Outcome o;
        CtPacket p;
        o.parse = read_ct_packet(f.data(), static_cast<uint32_t>(f.size()),
                                 static_cast<uint32_t>(f.size()), zone, p);
        if (o.parse != CtKeyError::kNone) return o;
        const uint64_t h = CtTable::hash(p.key);
        CtResult r = ct_check(table, p, h, now_ms, timeouts);
        if (r.state == CtState::kNew && !r.entry && commit) {
            const CtCommitResult c = ct_commit(table, p, h, now_ms, timeouts);
            if (c.result.state != CtState::kInvalid &&
                (c.insert == CtTable::InsertResult::kFull ||
                 c.insert == CtTable::InsertResult::kZoneFull))
                o.full = true;
            r = c.result;
        }
        o.state = r.state;
        o.reason = r.reason;
        o.dir = r.dir;
        o.entry = r.entry;
        return o;
    }
    CtState state(const Frame& f, bool commit = true) { return feed(f, commit).state; }

    void advance(double seconds) { now_ms += static_cast<uint64_t>(seconds * 1000); }

    // Sweeps the whole pool and frees what it retired (as if a grace period passed).
    uint32_t sweep_all() {
        const uint32_t n = table.sweep(now_ms, table.pool_size());
        table.reclaim(table.retire_mark());
        return n;
    }

    // The TCP state of the frame's connection (NONE if it has none).
    TcpState tcp_state(const Frame& f) {
        CtPacket p;
        if (read_ct_packet(f.data(), static_cast<uint32_t>(f.size()),
                           static_cast<uint32_t>(f.size()), zone, p) != CtKeyError::kNone)
            return TcpState::kNone;
        CtEntry* e = table.find(p.key, CtTable::hash(p.key));
        return e ? table.view(*e).tcp_state : TcpState::kNone;
    }
};

}  // namespace vsw::conntrack::testing
