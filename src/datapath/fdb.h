// The forwarding database: (VLAN, MAC) -> port, learned by the PMD workers, aged by the control
// thread; and (VLAN, MAC) -> remote VTEP, programmed by the control thread from the overlay's
// control plane (EVPN type-2 routes), never aged or learned. A frame from a local port with a
// remote entry's source MAC makes it local again (the MAC moved here).
//
// Concurrency: workers learn and look up without locks; the control thread ages and flushes.
// Each slot is two 64-bit atomics: `key` (valid bit | VLAN | MAC) and `value` (port | last-seen
// second | 16-bit tag of the key). A writer claims an empty slot by CAS on `key`, then stores
// `value`; readers accept a value only if its tag matches the key they found, so a value left
// over from an aged entry is never taken for a new one. Two workers learning the same new MAC at
// the same instant may both insert it; lookups take the first and aging removes the other.
//
// A pinned entry (a MAC a port-security port is allowed to send from) never ages and never
// moves: a frame from it on another port is refused (kPinned), and neither learning nor the
// overlay replaces it. The control thread pins a port's MACs in its untagged VLAN; a port-security
// port's worker pins them in the VLANs its guest tags (only allowed MACs get that far).
//
// Each port's learned entries are counted, for its MAC limit: a value changes hands only by an
// atomic exchange, so the count follows exactly what the table holds. A port's new entries are
// learned by the one worker that polls it, so checking its limit and then inserting is exact too.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/limits.h"
#include "core/mac.h"

namespace vsw {

class Fdb {
  public:
    static constexpr unsigned kSlotsPerBucket = 8;
    static constexpr uint32_t kDefaultMaxEntries = 8192;
    static constexpr uint32_t kDefaultAgingSeconds = 300;

    // kLimited: the port already has `limit` learned MACs; nothing learned. kPinned: the MAC is
    // pinned to another port; nothing learned.
    enum class LearnResult { kUnchanged, kRefreshed, kLearned, kMoved, kFull, kLimited, kPinned };
    // set_remote: kPinned: the MAC is pinned to a local port, which keeps it.
    enum class RemoteResult { kSet, kFull, kPinned };

    struct Entry {
        uint16_t vlan;        // 0..4095
        Mac mac;              // learned source address
        uint16_t port;        // port slot it was learned on (local entries)
        uint32_t last_seen;   // second (switch clock) it was last seen (local entries)
        bool remote;          // behind a remote VTEP: `vtep` is its index, port and last_seen 0
        uint16_t vtep;        // remote VTEP index (remote entries)
        bool pinned = false;  // never ages or moves (local entries)
    };

    // lookup() results at or above kRemote: kRemote + the remote VTEP's index.
    static constexpr int kRemote = 0x10000;
    static constexpr uint16_t kMaxVteps = 0x7fff;  // remote VTEP indices 0..kMaxVteps-1

    // max_entries: the size limit; the table has room for twice as many so that buckets rarely
    // overflow before the limit is reached.
    explicit Fdb(uint32_t max_entries = kDefaultMaxEntries);

    // Learns `mac` on `port` at second `now`. kFull: table or bucket full, nothing learned.
    // `limit`: how many entries `port` may have (0 = no limit); a MAC new to the port beyond it
    // is not learned (kLimited), one it has is refreshed. `pin`: learn it pinned (it takes over
    // an entry that is not).
    LearnResult learn(Mac mac, uint16_t vlan, uint16_t port, uint32_t now, uint32_t limit = 0,
                      bool pin = false);

    // Pinned entries (control thread): pins (mac, vlan) to `port`, replacing any entry; false if
    // the table is full. unpin_port removes every entry pinned to `port`; returns how many.
    bool pin(Mac mac, uint16_t vlan, uint16_t port);
    uint32_t unpin_port(uint16_t port);

    // Port slot `mac` was learned on, kRemote + VTEP index for a remote entry, or -1.
    int lookup(Mac mac, uint16_t vlan) const;

    // Remote entries (control thread): sets (mac, vlan) to be behind VTEP `vtep`, replacing a
    // local or remote entry but a pinned one. Removing touches remote entries only.
    RemoteResult set_remote(Mac mac, uint16_t vlan, uint16_t vtep);
    bool remove_remote(Mac mac, uint16_t vlan);
    uint32_t flush_remote();

    // Starts loading the bucket of (mac, vlan) into the cache. A burst prefetches all its
    // lookups first, so a large table's cache misses overlap instead of queueing.
    void prefetch(Mac mac, uint16_t vlan) const {
        const Bucket& b = bucket_for(make_key(mac, vlan));
        __builtin_prefetch(&b.key[0]);
        __builtin_prefetch(&b.value[0]);
    }

    // Removes entries not seen for `aging_seconds` or more (not pinned ones); returns how many.
    uint32_t age(uint32_t now, uint32_t aging_seconds);

    // Removes every learned entry, or those of one port; returns how many (remote and pinned
    // entries stay: they are the control plane's and the port's configuration).
    uint32_t flush();
    uint32_t flush_port(uint16_t port);

    std::vector<Entry> entries() const;
    uint32_t size() const { return count_.load(std::memory_order_relaxed); }
    // Entries learned on `port` now.
    uint32_t learned_on(uint16_t port) const {
        return port < kMaxPorts ? learned_[port].load(std::memory_order_relaxed) : 0;
    }
    uint32_t max_entries() const { return max_entries_; }

  private:
    struct alignas(64) Bucket {
        std::atomic<uint64_t> key[kSlotsPerBucket];    // 0 = empty
        std::atomic<uint64_t> value[kSlotsPerBucket];  // 0 = not yet written
    };

    static uint64_t make_key(Mac mac, uint16_t vlan);
    static uint64_t hash(uint64_t key);
    static uint16_t tag(uint64_t key);
    static uint64_t make_value(uint16_t port, uint32_t now, uint16_t tag, bool pinned = false);
    static uint64_t make_remote_value(uint16_t vtep, uint16_t tag);
    Bucket& bucket_for(uint64_t key) const;
    // Removes slot i of b if it still holds `key`; true if this call removed it.
    bool remove_slot(Bucket& b, unsigned i, uint64_t key);
    // Takes the count of a value out of the table (it was replaced or removed), puts `now_in`'s.
    void recount(uint64_t gone, uint64_t now_in);
    template <class Pred>
    uint32_t remove_if(Pred pred);
    template <class Replace>
    RemoteResult put(Mac mac, uint16_t vlan, uint64_t want, Replace replace);

    uint32_t max_entries_;                           // size limit
    uint64_t bucket_mask_;                           // number of buckets - 1
    std::unique_ptr<Bucket[]> buckets_;              // the table
    std::atomic<uint32_t> count_{0};                 // live entries
    std::atomic<uint32_t> learned_[kMaxPorts] = {};  // local entries per port
};

}  // namespace vsw
