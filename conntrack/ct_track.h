// Connection tracking of one packet: its state against the table (and the connection's
// state moved by it), then, for a new connection the rules allowed, its entry. The two steps
// of Open vSwitch's ct() and ct(commit), with Linux's semantics:
//
//   r = ct_check(table, packet, hash, now, timeouts)
//     kInvalid      drop, count ct_invalid (r.reason)
//     kEstablished  pass (a connection's reply direction, or either after a reply)
//     kRelated      pass (an ICMP error about a tracked connection)
//     kNew          the rules decide; if they allow and r.entry is null, ct_commit(): a SYN,
//                   a first UDP datagram, an echo request. With r.entry set the connection
//                   exists and has not seen a reply yet (a repeated SYN or datagram): the
//                   rules decide again, as iptables' NEW does, and nothing is committed.
//   c = ct_commit(table, packet, hash, now, timeouts)
//     kInserted     the connection is tracked from now on
//     kFull, kZoneFull   no room: drop, count ct_full (established connections go on)
//     kExists       another PMD committed it first: c.result is the packet checked against it
//
// Both are safe on any PMD thread at once (ct_table.h). Neither allocates. The entry pointers
// they return are valid until the caller's next quiescent state.
//
// Deadlines move with 1 s of slack (kCtRefreshSlackMs): a connection ends between its
// timeout and its timeout + 1 s after its last packet, never earlier, and a connection busy in
// both directions on two PMDs writes its deadline once a second, not once a packet.
#pragma once

#include <cstdint>

#include "conntrack/ct_key.h"
#include "conntrack/ct_table.h"
#include "conntrack/ct_timeouts.h"
#include "conntrack/ct_verdict.h"

namespace vsw::conntrack {

constexpr uint64_t kCtRefreshSlackMs = 1000;

struct CtResult {
    CtState state = CtState::kInvalid;    // what the packet is
    CtInvalid reason = CtInvalid::kNone;  // kInvalid: why
    CtDir dir = CtDir::kOriginal;         // its direction in its connection (kNew: original)
    CtEntry* entry = nullptr;             // its connection, if it has one
};

struct CtCommitResult {
    CtTable::InsertResult insert = CtTable::InsertResult::kFull;  // what the table did (unless
                                                                  // result is kInvalid)
    CtResult result;  // kInserted: kNew with the entry; kExists: the packet against that one;
                      // kInvalid: the packet cannot open a connection, nothing was inserted
};

// The packet's state, moving its connection (TCP state, deadline, reply seen, assured).
// h = CtTable::hash(p.key).
CtResult ct_check(CtTable& t, const CtPacket& p, uint64_t h, uint64_t now_ms, const CtTimeouts& to);

// Tracks the connection `p` opens (after ct_check said kNew without an entry and the rules
// allowed it), marked with `mark` (the datapath's: which way the port's rules saw it). A packet
// that cannot open one (a TCP segment other than a SYN, an ICMP reply or error) is refused as
// invalid without touching the table.
CtCommitResult ct_commit(CtTable& t, const CtPacket& p, uint64_t h, uint64_t now_ms,
                         const CtTimeouts& to, uint8_t mark = 0);

}  // namespace vsw::conntrack
