#include "src/datapath/fdb.h"

#include <bit>

namespace vsw {
namespace {

constexpr uint64_t kValidBit = uint64_t{1} << 63;
constexpr uint64_t kMacMask = (uint64_t{1} << 48) - 1;
// The value's 16-bit owner field: 0 = being written, slot + 1 = learned on a local port (with
// kPinnedBit: pinned to it), kRemoteBit | VTEP index = behind a remote VTEP.
constexpr uint64_t kRemoteBit = 0x8000;
constexpr uint64_t kPinnedBit = 0x4000;
constexpr uint64_t kSlotBits = 0x3fff;

bool is_remote_value(uint64_t v) {
    return v & kRemoteBit;
}

bool is_pinned_value(uint64_t v) {
    return (v & (kRemoteBit | kPinnedBit)) == kPinnedBit;
}

// The port slot + 1 a value counts for, or 0 (being written, or remote).
unsigned local_owner(uint64_t v) {
    return is_remote_value(v) ? 0 : static_cast<unsigned>(v & kSlotBits);
}

// Who holds the entry, pinned or not: 0 (being written), slot + 1, or kRemoteBit | VTEP index.
uint64_t holder(uint64_t v) {
    return is_remote_value(v) ? v & 0xffff : v & kSlotBits;
}

}  // namespace

uint64_t Fdb::make_key(Mac mac, uint16_t vlan) {
    return kValidBit | (uint64_t{vlan & 0xfffu} << 48) | (mac & kMacMask);
}

uint64_t Fdb::hash(uint64_t key) {
    // Fibonacci-style mixing: cheap, and spreads MACs that differ only in the low octets.
    key ^= key >> 29;
    key *= 0x9e3779b97f4a7c15ull;
    return key ^ (key >> 32);
}

uint16_t Fdb::tag(uint64_t key) {
    return static_cast<uint16_t>(hash(key) >> 48) | 1;
}

uint64_t Fdb::make_value(uint16_t port, uint32_t now, uint16_t t, bool pinned) {
    return (uint64_t{static_cast<uint16_t>(port + 1)} & kSlotBits) | (pinned ? kPinnedBit : 0) |
           (uint64_t{now} << 16) | (uint64_t{t} << 48);
}

uint64_t Fdb::make_remote_value(uint16_t vtep, uint16_t t) {
    return (kRemoteBit | (vtep & 0x7fffu)) | (uint64_t{t} << 48);
}

Fdb::Fdb(uint32_t max_entries) : max_entries_(max_entries ? max_entries : 1) {
    uint64_t buckets =
        std::bit_ceil((uint64_t{max_entries_} * 2 + kSlotsPerBucket - 1) / kSlotsPerBucket);
    bucket_mask_ = buckets - 1;
    buckets_ = std::make_unique<Bucket[]>(buckets);
    for (uint64_t b = 0; b < buckets; ++b)
        for (unsigned i = 0; i < kSlotsPerBucket; ++i) {
            buckets_[b].key[i].store(0, std::memory_order_relaxed);
            buckets_[b].value[i].store(0, std::memory_order_relaxed);
        }
}

Fdb::Bucket& Fdb::bucket_for(uint64_t key) const {
    return buckets_[hash(key) & bucket_mask_];
}

void Fdb::recount(uint64_t gone, uint64_t now_in) {
    const unsigned from = local_owner(gone), to = local_owner(now_in);
    if (from == to) return;
    if (from) learned_[from - 1].fetch_sub(1, std::memory_order_relaxed);
    if (to) learned_[to - 1].fetch_add(1, std::memory_order_relaxed);
}

Fdb::LearnResult Fdb::learn(Mac mac, uint16_t vlan, uint16_t port, uint32_t now, uint32_t limit,
                            bool pin) {
    const auto at_limit = [&] {
        return limit && port < kMaxPorts && learned_[port].load(std::memory_order_relaxed) >= limit;
    };
    const uint64_t key = make_key(mac, vlan);
    const uint16_t t = tag(key);
    const uint64_t want = make_value(port, now, t, pin);
    const uint64_t mine = holder(want);
    Bucket& b = bucket_for(key);
    int empty = -1;
    for (unsigned i = 0; i < kSlotsPerBucket; ++i) {
        uint64_t k = b.key[i].load(std::memory_order_acquire);
        if (k == key) {
            uint64_t v = b.value[i].load(std::memory_order_relaxed);
            // A compare-exchange, not a store: the control thread may pin it meanwhile.
            for (;;) {
                if (v == want) return LearnResult::kUnchanged;  // common: no cache-line write
                if (is_pinned_value(v))  // pinned entries need no refresh, and never move
                    return holder(v) == mine ? LearnResult::kUnchanged : LearnResult::kPinned;
                if (holder(v) != mine && at_limit()) return LearnResult::kLimited;
                if (b.value[i].compare_exchange_weak(v, want, std::memory_order_acq_rel,
                                                     std::memory_order_relaxed))
                    break;
            }
            recount(v, want);
            const bool moved = holder(v) != 0 && holder(v) != mine;
            return moved ? LearnResult::kMoved : LearnResult::kRefreshed;
        }
        if (k == 0 && empty < 0) empty = static_cast<int>(i);
    }
    if (empty < 0 || count_.load(std::memory_order_relaxed) >= max_entries_)
        return LearnResult::kFull;
    if (at_limit()) return LearnResult::kLimited;
    for (unsigned i = static_cast<unsigned>(empty); i < kSlotsPerBucket; ++i) {
        uint64_t expected = 0;
        if (b.key[i].compare_exchange_strong(expected, key, std::memory_order_acq_rel)) {
            // Exchanged, not stored: another port's worker may have written the slot already.
            recount(b.value[i].exchange(want, std::memory_order_acq_rel), want);
            count_.fetch_add(1, std::memory_order_relaxed);
            return LearnResult::kLearned;
        }
    }
    return LearnResult::kFull;
}

int Fdb::lookup(Mac mac, uint16_t vlan) const {
    const uint64_t key = make_key(mac, vlan);
    const Bucket& b = bucket_for(key);
    for (unsigned i = 0; i < kSlotsPerBucket; ++i) {
        if (b.key[i].load(std::memory_order_acquire) != key) continue;
        uint64_t v = b.value[i].load(std::memory_order_acquire);
        if ((v >> 48) != tag(key) || (v & 0xffff) == 0) return -1;  // being written or stale
        if (is_remote_value(v)) return kRemote + static_cast<int>(v & 0x7fff);
        return static_cast<int>((v & kSlotBits) - 1);
    }
    return -1;
}

bool Fdb::remove_slot(Bucket& b, unsigned i, uint64_t key) {
    uint64_t expected = key;
    if (!b.key[i].compare_exchange_strong(expected, 0, std::memory_order_acq_rel)) return false;
    recount(b.value[i].exchange(0, std::memory_order_acq_rel), 0);
    count_.fetch_sub(1, std::memory_order_relaxed);
    return true;
}

template <class Pred>
uint32_t Fdb::remove_if(Pred pred) {
    uint32_t removed = 0;
    for (uint64_t bi = 0; bi <= bucket_mask_; ++bi) {
        Bucket& b = buckets_[bi];
        for (unsigned i = 0; i < kSlotsPerBucket; ++i) {
            uint64_t k = b.key[i].load(std::memory_order_acquire);
            if (k == 0) continue;
            uint64_t v = b.value[i].load(std::memory_order_acquire);
            if (pred(v) && remove_slot(b, i, k)) ++removed;
        }
    }
    return removed;
}

// Puts `want` in the (mac, vlan) entry, or a new one; `replace` says whether the value there may
// go. kFull: no room; kPinned: `replace` refused.
template <class Replace>
Fdb::RemoteResult Fdb::put(Mac mac, uint16_t vlan, uint64_t want, Replace replace) {
    const uint64_t key = make_key(mac, vlan);
    Bucket& b = bucket_for(key);
    const auto overwrite = [&](unsigned i) {
        uint64_t v = b.value[i].load(std::memory_order_acquire);
        do {  // a worker may learn or refresh it meanwhile
            if (!replace(v)) return RemoteResult::kPinned;
        } while (!b.value[i].compare_exchange_weak(v, want, std::memory_order_acq_rel,
                                                   std::memory_order_acquire));
        recount(v, want);
        return RemoteResult::kSet;
    };
    for (unsigned i = 0; i < kSlotsPerBucket; ++i)
        if (b.key[i].load(std::memory_order_acquire) == key) return overwrite(i);
    if (count_.load(std::memory_order_relaxed) >= max_entries_) return RemoteResult::kFull;
    for (unsigned i = 0; i < kSlotsPerBucket; ++i) {
        uint64_t expected = 0;
        if (b.key[i].compare_exchange_strong(expected, key, std::memory_order_acq_rel)) {
            recount(b.value[i].exchange(want, std::memory_order_acq_rel), want);
            count_.fetch_add(1, std::memory_order_relaxed);
            return RemoteResult::kSet;
        }
        if (expected == key) return overwrite(i);  // a worker learned it just now
    }
    return RemoteResult::kFull;
}

Fdb::RemoteResult Fdb::set_remote(Mac mac, uint16_t vlan, uint16_t vtep) {
    const uint64_t want = make_remote_value(vtep, tag(make_key(mac, vlan)));
    return put(mac, vlan, want, [](uint64_t v) { return !is_pinned_value(v); });
}

bool Fdb::pin(Mac mac, uint16_t vlan, uint16_t port) {
    const uint64_t want = make_value(port, 0, tag(make_key(mac, vlan)), true);
    return put(mac, vlan, want, [](uint64_t) { return true; }) == RemoteResult::kSet;
}

uint32_t Fdb::unpin_port(uint16_t port) {
    return remove_if([&](uint64_t v) { return is_pinned_value(v) && local_owner(v) == port + 1u; });
}

bool Fdb::remove_remote(Mac mac, uint16_t vlan) {
    const uint64_t key = make_key(mac, vlan);
    Bucket& b = bucket_for(key);
    for (unsigned i = 0; i < kSlotsPerBucket; ++i)
        if (b.key[i].load(std::memory_order_acquire) == key &&
            is_remote_value(b.value[i].load(std::memory_order_acquire)))
            return remove_slot(b, i, key);
    return false;
}

uint32_t Fdb::flush_remote() {
    return remove_if([](uint64_t v) { return is_remote_value(v); });
}

uint32_t Fdb::age(uint32_t now, uint32_t aging_seconds) {
    return remove_if([&](uint64_t v) {
        if ((v & 0xffff) == 0 || is_remote_value(v) || is_pinned_value(v))
            return false;  // being written; not aged
        uint32_t last = static_cast<uint32_t>(v >> 16);
        return now - last >= aging_seconds;
    });
}

uint32_t Fdb::flush() {
    // Not a slot being written (value 0): its learner counts it once the value is there.
    return remove_if([](uint64_t v) { return local_owner(v) != 0 && !is_pinned_value(v); });
}

uint32_t Fdb::flush_port(uint16_t port) {
    return remove_if(
        [&](uint64_t v) { return !is_pinned_value(v) && local_owner(v) == port + 1u; });
}

std::vector<Fdb::Entry> Fdb::entries() const {
    std::vector<Entry> out;
    for (uint64_t bi = 0; bi <= bucket_mask_; ++bi) {
        const Bucket& b = buckets_[bi];
        for (unsigned i = 0; i < kSlotsPerBucket; ++i) {
            uint64_t k = b.key[i].load(std::memory_order_acquire);
            uint64_t v = b.value[i].load(std::memory_order_acquire);
            if (k == 0 || (v & 0xffff) == 0) continue;
            const auto vlan = static_cast<uint16_t>((k >> 48) & 0xfff);
            if (is_remote_value(v))
                out.push_back(
                    Entry{vlan, k & kMacMask, 0, 0, true, static_cast<uint16_t>(v & 0x7fff)});
            else
                out.push_back(Entry{vlan, k & kMacMask, static_cast<uint16_t>((v & kSlotBits) - 1),
                                    static_cast<uint32_t>(v >> 16), false, 0, is_pinned_value(v)});
        }
    }
    return out;
}

}  // namespace vsw
