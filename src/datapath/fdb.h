// The forwarding database: (VLAN, MAC) -> port, learned by the PMD workers, aged by the control
// thread.
//
// Concurrency: workers learn and look up without locks; the control thread ages and flushes.
// Each slot is two 64-bit atomics: `key` (valid bit | VLAN | MAC) and `value` (port | last-seen
// second | 16-bit tag of the key). A writer claims an empty slot by CAS on `key`, then stores
// `value`; readers accept a value only if its tag matches the key they found, so a value left
// over from an aged entry is never taken for a new one. Two workers learning the same new MAC at
// the same instant may both insert it; lookups take the first and aging removes the other.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/mac.h"

namespace vsw {

class Fdb {
  public:
    static constexpr unsigned kSlotsPerBucket = 8;
    static constexpr uint32_t kDefaultMaxEntries = 8192;
    static constexpr uint32_t kDefaultAgingSeconds = 300;

    enum class LearnResult { kUnchanged, kRefreshed, kLearned, kMoved, kFull };

    struct Entry {
        uint16_t vlan;       // 0..4095
        Mac mac;             // learned source address
        uint16_t port;       // port slot it was learned on
        uint32_t last_seen;  // second (switch clock) it was last seen
    };

    // max_entries: the size limit; the table has room for twice as many so that buckets rarely
    // overflow before the limit is reached.
    explicit Fdb(uint32_t max_entries = kDefaultMaxEntries);

    // Learns `mac` on `port` at second `now`. kFull: table or bucket full, nothing learned.
    LearnResult learn(Mac mac, uint16_t vlan, uint16_t port, uint32_t now);

    // Port slot `mac` was learned on, or -1.
    int lookup(Mac mac, uint16_t vlan) const;

    // Starts loading the bucket of (mac, vlan) into the cache. A burst prefetches all its
    // lookups first, so a large table's cache misses overlap instead of queueing.
    void prefetch(Mac mac, uint16_t vlan) const {
        const Bucket& b = bucket_for(make_key(mac, vlan));
        __builtin_prefetch(&b.key[0]);
        __builtin_prefetch(&b.value[0]);
    }

    // Removes entries not seen for `aging_seconds` or more; returns how many.
    uint32_t age(uint32_t now, uint32_t aging_seconds);

    // Removes every entry, or those of one port; returns how many.
    uint32_t flush();
    uint32_t flush_port(uint16_t port);

    std::vector<Entry> entries() const;
    uint32_t size() const { return count_.load(std::memory_order_relaxed); }
    uint32_t max_entries() const { return max_entries_; }

  private:
    struct alignas(64) Bucket {
        std::atomic<uint64_t> key[kSlotsPerBucket];    // 0 = empty
        std::atomic<uint64_t> value[kSlotsPerBucket];  // 0 = not yet written
    };

    static uint64_t make_key(Mac mac, uint16_t vlan);
    static uint64_t hash(uint64_t key);
    static uint16_t tag(uint64_t key);
    static uint64_t make_value(uint16_t port, uint32_t now, uint16_t tag);
    Bucket& bucket_for(uint64_t key) const;
    // Removes slot i of b if it still holds `key`; true if this call removed it.
    bool remove_slot(Bucket& b, unsigned i, uint64_t key);
    template <class Pred>
    uint32_t remove_if(Pred pred);

    uint32_t max_entries_;               // size limit
    uint64_t bucket_mask_;               // number of buckets - 1
    std::unique_ptr<Bucket[]> buckets_;  // the table
    std::atomic<uint32_t> count_{0};     // live entries
};

}  // namespace vsw
