// The connection table: bounded, shared by every PMD thread without locks on lookup.
//
// Layout. A pool of `capacity` + 1/8 CtEntry (128 bytes each; the eighth covers connections
// ended but not yet reusable, see below) and a hash index of buckets, one cache line each: 7
// ways (a 32-bit signature of the key's hash and the entry's pool index) and a meta word (how
// many keys whose home this bucket is sit in the 7 buckets after it, and an insert bit): one
// bucket per 4 pool entries, so at most 57% of the ways are used. A lookup reads the key's home
// bucket line and the entry the signature names (the keys are compared in full); it goes on to the
// next buckets only while keys overflowed from the home bucket. A burst hashes its keys, prefetches
// their buckets, then their entries, then looks them up (prefetch(), prefetch_entry()).
//
// Concurrency. Any number of PMD threads call find(), insert() and kill() at once, with the
// control thread's sweep(), reclaim(), list() and counts() (those four: one thread at a time).
//   find          lock-free: atomic loads only. An entry's key never changes while it is
//                 reachable, so comparing it needs no synchronization.
//   insert        takes the home bucket's insert bit (a spin bit held for one insert, only
//                 against other inserts into the same bucket: lookups never wait), so a key
//                 is never inserted twice; claims a way by compare-and-swap (buckets after the
//                 home one are shared with other homes' inserts) and publishes the entry with
//                 a release store. Counts: the total and the zone's count go up by atomic
//                 add and come back down if over their limit: the limits are exact.
//   kill          ends a connection at once (a compare-and-swap on its life makes one caller
//                 the killer): its counts go down, its way is cleared; the entry stays
//                 readable for whoever found it before.
//   sweep         (control thread) examines a slice of the pool per call, like the IPFIX
//                 cache's expiry: kills expired connections and retires ended ones.
//   reclaim       (control thread) puts retired entries back on the free list once the
//                 caller says a grace period has passed since retire_mark() (rte_rcu_qsbr:
//                 every PMD reported a quiescent state). PMDs must not keep an entry pointer
//                 across a quiescent state (per burst is fine).
// Connection state inside an entry is the entry's business (ct_entry.h: atomics, and the
// TCP state under a per-connection spin flag).
//
// Limits. Free entries come from one lock-free stack (a tagged compare-and-swap: every new
// connection touches that one cache line). A connection that ended holds its pool entry until
// the sweep passes it and a grace period follows; the pool's extra eighth absorbs that, and
// if churn exhausts it, inserts fail as kFull although fewer than `capacity` are counted. A
// key whose home and 7 following buckets are full is refused (kFull) as well: with at most
// 57% of the ways used, practically never. Lookups and inserts never allocate.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>

#include "conntrack/ct_entry.h"

namespace vsw::conntrack {

// Live connections by protocol and state (for `conntrack show` and metrics).
struct CtCounts {
    uint32_t connections = 0;           // all of them
    uint32_t tcp[kTcpStateCount] = {};  // TCP, per TcpState
    uint32_t udp = 0;                   // UDP
    uint32_t icmp = 0;                  // ICMP and ICMPv6 queries
    uint32_t other = 0;                 // SCTP and other protocols
    uint32_t unreplied = 0;             // no reply yet (any protocol)
    uint32_t assured = 0;               // assured (any protocol)
};

class CtTable {
  public:
    static constexpr unsigned kWays = 7;      // per bucket
    static constexpr unsigned kMaxProbe = 8;  // buckets a key may sit in: its home and 7 more
    static constexpr uint32_t kZones = 65536;

    enum class InsertResult : uint8_t {
        kInserted,  // a new entry, initialized by the caller
        kExists,    // the key has a live entry already (another thread inserted it): that one
        kFull,      // the table holds `capacity` connections (or no room near the key's hash)
        kZoneFull,  // the key's zone holds `zone_limit` connections
    };
    struct Insert {
        InsertResult result;  // what happened
        CtEntry* entry;       // kInserted, kExists: the entry; otherwise nullptr
    };

    // Up to `capacity` connections, up to `zone_limit` per zone (0: no limit). Allocates all
    // memory now (the control thread).
    explicit CtTable(uint32_t capacity, uint32_t zone_limit = 0);
    ~CtTable();
    CtTable(const CtTable&) = delete;
    CtTable& operator=(const CtTable&) = delete;

    // ---- any thread ----

    // A hash of the key: the same for both directions (the key is canonical).
    static uint64_t hash(const CtKey& k) {
        uint64_t w[5];
        memcpy(w, &k, sizeof w);
        return mum(mum(w[0] ^ 0x243f6a8885a308d3ull, w[1] ^ 0x13198a2e03707344ull) ^
                       mum(w[2] ^ 0xa4093822299f31d0ull, w[3] ^ 0x082efa98ec4e6c89ull),
                   w[4] ^ 0x452821e638d01377ull);
    }
    // Starts loading the key's home bucket.
    void prefetch(uint64_t h) const { __builtin_prefetch(&bucket(h, 0)); }
    // Once that line is in: starts loading the entry its signature names, if one does.
    void prefetch_entry(uint64_t h) const;
    // The live entry of `k` (h = hash(k)), or nullptr. It may have expired: the caller checks.
    CtEntry* find(const CtKey& k, uint64_t h) const;

    // Inserts `k` unless it has a live entry. `init(CtEntry&)` fills a new entry (its key,
    // status and life are set) before any other thread can see it; it runs with the home
    // bucket's insert bit held, so it must be short.
    template <class Init>
    Insert insert(const CtKey& k, uint64_t h, Init&& init) {
        const Claim c = claim(k, h);
        if (c.result != InsertResult::kInserted) return {c.result, c.entry};
        init(*c.entry);
        publish(c);
        return {InsertResult::kInserted, c.entry};
    }

    // Ends the connection now. True if this call ended it (a connection ends once).
    bool kill(CtEntry& e);

    // Connections now: in all, and in `zone`.
    uint32_t size() const { return total_.load(std::memory_order_relaxed); }
    uint32_t zone_size(uint16_t zone) const {
        return zone_count_[zone].load(std::memory_order_relaxed);
    }
    uint32_t capacity() const { return capacity_; }
    uint32_t zone_limit() const { return zone_limit_.load(std::memory_order_relaxed); }
    // A new limit for every zone (0: none); zones above it keep their connections.
    void set_zone_limit(uint32_t limit) { zone_limit_.store(limit, std::memory_order_relaxed); }

    // ---- the control thread ----

    // Examines the next `budget` entries of the pool: kills those whose deadline is at or
    // before `now_ms`, retires those that ended. Returns how many it retired.
    uint32_t sweep(uint64_t now_ms, uint32_t budget);
    // How many entries were ever retired: take it, start a grace period, and once it is over
    // reclaim(mark) frees every entry retired before.
    uint64_t retire_mark() const { return retired_; }
    uint32_t reclaim(uint64_t mark);
    // Entries retired and not yet free.
    uint32_t awaiting_reclaim() const { return static_cast<uint32_t>(retired_ - reclaimed_); }

    // Copies up to `max` live connections into `out`, from pool position `cursor` on, and
    // advances it; 0 once the whole pool was listed (start again from cursor 0).
    size_t list(uint32_t& cursor, CtEntryView* out, size_t max) const;
    // One connection's copy (TCP's state read under its lock).
    CtEntryView view(CtEntry& e) const;
    // Live connections by protocol and state: of `zone`, or of all zones (zone < 0). A walk of
    // the pool: for commands and metrics, not the datapath.
    CtCounts counts(int zone = -1) const;
    // Ends the live connections of `zone` (of every zone: zone < 0) that `doomed` picks from
    // their copies; returns how many. A walk of the pool (a port's rules changed, or it went).
    uint32_t kill_where(int zone, const std::function<bool(const CtEntryView&)>& doomed);

    // Pool entries, and all the memory the table holds (for "bytes per connection").
    uint32_t pool_size() const { return pool_; }
    size_t memory_bytes() const;

  private:
    struct alignas(64) Bucket {
        std::atomic<uint64_t> way[kWays];  // 0: empty; signature << 32 | (pool index + 1);
                                           // index 0 with a signature: reserved by an insert
        std::atomic<uint64_t> meta;        // kInsertBit | keys spilled to the next buckets
    };
    static_assert(sizeof(Bucket) == 64);

    struct Claim {
        InsertResult result;         // kInserted: the rest is set
        CtEntry* entry;              // the entry (kInserted: new, kExists: found)
        std::atomic<uint64_t>* way;  // the reserved way
        uint64_t value;              // what the way will hold
        Bucket* home;                // locked
    };

    static uint64_t mum(uint64_t a, uint64_t b) {
        const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
        return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
    }
    static uint64_t way_value(uint64_t h, uint32_t index) {
        return (h >> 32) << 32 | (uint64_t{index} + 1);
    }
    // The key's home bucket (the hash's low half scaled to the bucket count: no power of two
    // needed) and the `probe`-th after it, wrapping.
    Bucket& bucket(uint64_t h, unsigned probe) const {
        uint64_t b = ((h & 0xffffffffu) * buckets_count_ >> 32) + probe;
        if (b >= buckets_count_) b -= buckets_count_;
        return buckets_[b];
    }
    Claim claim(const CtKey& k, uint64_t h);
    void publish(const Claim& c);
    void unlock(Bucket& home);
    // Takes the entry's way out of the index.
    void unlink(const CtEntry& e);
    // The free stack.
    int64_t pop_free();
    void push_free(uint32_t index);
    void undo_counts(uint16_t zone);

    uint32_t capacity_;                 // connections at most
    uint32_t pool_;                     // entries
    uint64_t buckets_count_;            // buckets in the index
    std::atomic<uint32_t> zone_limit_;  // per zone; 0: none
    struct Unmap {
        size_t bytes;  // the mapping's length
        void operator()(void* p) const;
    };
    std::unique_ptr<CtEntry[], Unmap> entries_{nullptr, {0}};  // the pool
    std::unique_ptr<Bucket[], Unmap> buckets_{nullptr, {0}};   // the index
    std::unique_ptr<std::atomic<uint32_t>[]> next_;            // free stack links (index + 1)
    std::unique_ptr<std::atomic<uint32_t>[]> zone_count_;      // live connections per zone
    std::unique_ptr<uint32_t[]> retire_ring_;                  // retired, oldest first
    alignas(64) std::atomic<uint64_t> free_head_{0};           // tag << 32 | (index + 1)
    alignas(64) std::atomic<uint32_t> total_{0};               // live connections
    alignas(64) uint32_t hand_ = 0;                            // sweep(): next pool entry
    uint64_t retired_ = 0;                                     // entries ever retired
    uint64_t reclaimed_ = 0;                                   // of those, freed again
};

}  // namespace vsw::conntrack
