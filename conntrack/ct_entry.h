// One tracked connection as the table stores it (two cache lines: what every packet touches,
// then TCP's state), and the copy of it that listings and counts read.
//
// Who writes what, with several PMD threads at once:
//   key, orig_side, stream_ms,  written once before the entry is published; immutable while
//   mark                        it is reachable (readers compare keys without synchronization)
//   expires_ms, status          atomics any packet of the connection may refresh or set
//   tcp                         under `lock`, a spin flag taken only around one segment's
//                               update (as Linux's per-connection ct->lock), in the same
//                               cache line: a TCP packet dirties one line, not two
//   life                        the table's: free, live, dying, dead, retired (ct_table.h)
#pragma once

#include <atomic>
#include <cstdint>

#include "conntrack/ct_key.h"
#include "conntrack/tcp_tracking.h"

namespace vsw::conntrack {

// CtEntry::status bits.
constexpr uint8_t kCtSeenReply = 0x01;  // a reply passed (Linux's IPS_SEEN_REPLY)
constexpr uint8_t kCtAssured = 0x02;    // an assured connection (Linux's IPS_ASSURED)

// CtEntry::life: where the entry is in its life (the table's bookkeeping).
enum class CtLife : uint8_t {
    kFree,     // on the free list
    kLive,     // a connection: linked, counted
    kDying,    // being ended (its killer unlinks it)
    kDead,     // ended, unlinked, uncounted; the control thread will retire it
    kRetired,  // waiting for a grace period before it is free again
};

struct alignas(64) CtEntry {
    // First cache line: the key and what every packet reads; a busy connection writes it at
    // most once a second (its deadline), so PMDs on both directions share it cleanly.
    CtKey key;                                // the connection (canonical)
    std::atomic<uint64_t> expires_ms{0};      // switch clock (ms) at which it ends
    uint64_t stream_ms = 0;                   // UDP and others: from when a replied connection
                                              // becomes assured (its first packet + 2 s)
    std::atomic<uint8_t> status{0};           // kCtSeenReply | kCtAssured
    uint8_t orig_side = 0;                    // which endpoint of `key` opened it (0 or 1)
    std::atomic<CtLife> life{CtLife::kFree};  // the table's bookkeeping
    uint8_t mark = 0;                         // the committer's (ct_commit): OVS's ct_mark
    uint8_t pad[4] = {};                      // zero
    // Second cache line: TCP's state and its lock, written by every TCP packet.
    TcpConn tcp;                   // under `lock` (TCP connections only)
    std::atomic<uint8_t> lock{0};  // 1 while a thread updates `tcp`
    uint8_t pad2[3] = {};          // zero

    // The direction of a packet sent from endpoint `side` of the key.
    CtDir dir_of(uint8_t side) const {
        return side == orig_side ? CtDir::kOriginal : CtDir::kReply;
    }

    void lock_tcp() {
        while (lock.exchange(1, std::memory_order_acquire))
            while (lock.load(std::memory_order_relaxed)) __builtin_ia32_pause();
    }
    void unlock_tcp() { lock.store(0, std::memory_order_release); }
};
static_assert(sizeof(CtEntry) == 128, "two cache lines");

// A copy of one connection for listings (conntrack -L) and counts.
struct CtEntryView {
    CtKey key;                             // the connection (canonical)
    uint8_t orig_side = 0;                 // which endpoint of `key` opened it
    uint8_t status = 0;                    // kCtSeenReply | kCtAssured
    uint8_t mark = 0;                      // what its committer marked it with
    TcpState tcp_state = TcpState::kNone;  // TCP: its state
    uint64_t expires_ms = 0;               // switch clock (ms) at which it ends
};

}  // namespace vsw::conntrack
