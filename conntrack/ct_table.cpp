// The connection table (ct_table.h): pool, index, free stack, sweep and reclaim.
#include "conntrack/ct_table.h"

#include <sys/mman.h>

#include <algorithm>
#include <new>
#include <type_traits>

namespace vsw::conntrack {
namespace {

constexpr uint64_t kInsertBit = uint64_t{1} << 63;
constexpr uint64_t kSpillMask = 0xffffffffu;
constexpr uint64_t kIndexMask = 0xffffffffu;

// Zeroed anonymous memory, with transparent huge pages asked for (a million connections span
// more than 100 MiB: with 4 KiB pages every lookup would miss the TLB too).
void* map_zeroed(size_t bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    madvise(p, bytes, MADV_HUGEPAGE);  // advice only
    return p;
}

void spin_pause() {
    __builtin_ia32_pause();
}

}  // namespace

void CtTable::Unmap::operator()(void* p) const {
    if (p) munmap(p, bytes);
}

CtTable::CtTable(uint32_t capacity, uint32_t zone_limit)
    : capacity_(capacity ? capacity : 1), zone_limit_(zone_limit) {
    pool_ = capacity_ + capacity_ / 8 + 64;
    const uint64_t buckets = (uint64_t{pool_} + 3) / 4;
    buckets_count_ = buckets;
    static_assert(std::is_trivially_destructible_v<CtEntry>);
    static_assert(std::is_trivially_destructible_v<Bucket>);
    const size_t entry_bytes = size_t{pool_} * sizeof(CtEntry);
    auto* e = static_cast<CtEntry*>(map_zeroed(entry_bytes));
    for (uint32_t i = 0; i < pool_; ++i) new (&e[i]) CtEntry();
    entries_ = {e, {entry_bytes}};
    const size_t bucket_bytes = buckets * sizeof(Bucket);
    auto* b = static_cast<Bucket*>(map_zeroed(bucket_bytes));
    for (uint64_t i = 0; i < buckets; ++i) {
        new (&b[i]) Bucket();
        for (auto& w : b[i].way) w.store(0, std::memory_order_relaxed);
        b[i].meta.store(0, std::memory_order_relaxed);
    }
    buckets_ = {b, {bucket_bytes}};
    next_ = std::make_unique<std::atomic<uint32_t>[]>(pool_);
    // The free stack holds every entry, index 0 on top.
    for (uint32_t i = 0; i < pool_; ++i)
        next_[i].store(i + 1 < pool_ ? i + 2 : 0, std::memory_order_relaxed);
    free_head_.store(1, std::memory_order_relaxed);
    zone_count_ = std::make_unique<std::atomic<uint32_t>[]>(kZones);
    for (uint32_t z = 0; z < kZones; ++z) zone_count_[z].store(0, std::memory_order_relaxed);
    retire_ring_ = std::make_unique<uint32_t[]>(pool_);
}

CtTable::~CtTable() = default;

size_t CtTable::memory_bytes() const {
    return size_t{pool_} * (sizeof(CtEntry) + sizeof(uint32_t) * 2) +
           buckets_count_ * sizeof(Bucket) + kZones * sizeof(uint32_t);
}

void CtTable::prefetch_entry(uint64_t h) const {
    const Bucket& b = bucket(h, 0);
    const uint64_t sig = h >> 32;
    for (const auto& way : b.way) {
        const uint64_t v = way.load(std::memory_order_relaxed);
        if ((v >> 32) == sig && (v & kIndexMask)) {
            const auto* e = reinterpret_cast<const char*>(&entries_[(v & kIndexMask) - 1]);
            __builtin_prefetch(e);
            __builtin_prefetch(e + 64);
            return;
        }
    }
}

namespace {

// Whether two keys are equal, as five words (memcmp was a call per lookup).
bool same_key(const CtKey& a, const CtKey& b) {
    uint64_t x[5], y[5];
    memcpy(x, &a, sizeof x);
    memcpy(y, &b, sizeof y);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

}  // namespace

CtEntry* CtTable::find(const CtKey& k, uint64_t h) const {
    const uint64_t sig = h >> 32;
    for (unsigned probe = 0; probe < kMaxProbe; ++probe) {
        const Bucket& b = bucket(h, probe);
        for (const auto& way : b.way) {
            const uint64_t v = way.load(std::memory_order_acquire);
            if ((v >> 32) != sig || (v & kIndexMask) == 0) continue;
            CtEntry& e = entries_[(v & kIndexMask) - 1];
            if (same_key(e.key, k) && e.life.load(std::memory_order_acquire) == CtLife::kLive)
                return &e;
        }
        // Only the home bucket's spill count says whether the key may sit further on.
        if (probe == 0 && (b.meta.load(std::memory_order_acquire) & kSpillMask) == 0)
            return nullptr;
    }
    return nullptr;
}

int64_t CtTable::pop_free() {
    uint64_t head = free_head_.load(std::memory_order_acquire);
    for (;;) {
        const uint32_t top = static_cast<uint32_t>(head & kIndexMask);
        if (top == 0) return -1;
        const uint32_t next = next_[top - 1].load(std::memory_order_relaxed);
        const uint64_t want = ((head >> 32) + 1) << 32 | next;  // the tag defeats ABA
        if (free_head_.compare_exchange_weak(head, want, std::memory_order_acq_rel,
                                             std::memory_order_acquire))
            return top - 1;
    }
}

void CtTable::push_free(uint32_t index) {
    uint64_t head = free_head_.load(std::memory_order_relaxed);
    for (;;) {
        next_[index].store(static_cast<uint32_t>(head & kIndexMask), std::memory_order_relaxed);
        const uint64_t want = ((head >> 32) + 1) << 32 | (uint64_t{index} + 1);
        if (free_head_.compare_exchange_weak(head, want, std::memory_order_release,
                                             std::memory_order_relaxed))
            return;
    }
}

void CtTable::undo_counts(uint16_t zone) {
    zone_count_[zone].fetch_sub(1, std::memory_order_relaxed);
    total_.fetch_sub(1, std::memory_order_relaxed);
}

void CtTable::unlock(Bucket& home) {
    home.meta.fetch_and(~kInsertBit, std::memory_order_release);
}

CtTable::Claim CtTable::claim(const CtKey& k, uint64_t h) {
    Bucket& home = bucket(h, 0);
    while (home.meta.fetch_or(kInsertBit, std::memory_order_acquire) & kInsertBit)
        while (home.meta.load(std::memory_order_relaxed) & kInsertBit) spin_pause();
    const auto refuse = [&](InsertResult r) {
        unlock(home);
        return Claim{r, nullptr, nullptr, 0, nullptr};
    };
    if (CtEntry* e = find(k, h)) {
        unlock(home);
        return Claim{InsertResult::kExists, e, nullptr, 0, nullptr};
    }
    if (total_.fetch_add(1, std::memory_order_relaxed) >= capacity_) {
        total_.fetch_sub(1, std::memory_order_relaxed);
        return refuse(InsertResult::kFull);
    }
    const uint32_t limit = zone_limit_.load(std::memory_order_relaxed);
    if (zone_count_[k.zone].fetch_add(1, std::memory_order_relaxed) >= (limit ? limit : ~0u)) {
        undo_counts(k.zone);
        return refuse(InsertResult::kZoneFull);
    }
    const int64_t index = pop_free();
    if (index < 0) {
        undo_counts(k.zone);
        return refuse(InsertResult::kFull);
    }
    const auto i = static_cast<uint32_t>(index);
    const uint64_t reserved = (h >> 32) << 32;  // a signature without an index: readers skip it
    for (unsigned probe = 0; probe < kMaxProbe; ++probe) {
        Bucket& b = bucket(h, probe);
        if (probe == 1) home.meta.fetch_add(1, std::memory_order_acq_rel);  // before any way
        for (auto& way : b.way) {
            uint64_t expected = 0;
            if (way.load(std::memory_order_relaxed) == 0 &&
                way.compare_exchange_strong(expected, reserved, std::memory_order_acq_rel)) {
                CtEntry& e = entries_[i];
                e.key = k;
                e.status.store(0, std::memory_order_relaxed);
                e.lock.store(0, std::memory_order_relaxed);
                return Claim{InsertResult::kInserted, &e, &way, way_value(h, i), &home};
            }
        }
    }
    home.meta.fetch_sub(1, std::memory_order_acq_rel);
    push_free(i);
    undo_counts(k.zone);
    return refuse(InsertResult::kFull);
}

void CtTable::publish(const Claim& c) {
    c.way->store(c.value, std::memory_order_release);
    // Live only once linked: the sweep never ends an entry it could not unlink.
    c.entry->life.store(CtLife::kLive, std::memory_order_release);
    unlock(*c.home);
}

void CtTable::unlink(const CtEntry& e) {
    const uint64_t h = hash(e.key);
    const uint64_t want = way_value(h, static_cast<uint32_t>(&e - entries_.get()));
    for (unsigned probe = 0; probe < kMaxProbe; ++probe) {
        for (auto& way : bucket(h, probe).way) {
            uint64_t expected = want;
            if (way.load(std::memory_order_relaxed) == want &&
                way.compare_exchange_strong(expected, 0, std::memory_order_acq_rel)) {
                if (probe > 0) bucket(h, 0).meta.fetch_sub(1, std::memory_order_acq_rel);
                return;
            }
        }
    }
}

bool CtTable::kill(CtEntry& e) {
    CtLife live = CtLife::kLive;
    if (!e.life.compare_exchange_strong(live, CtLife::kDying, std::memory_order_acq_rel))
        return false;
    undo_counts(e.key.zone);
    unlink(e);
    e.life.store(CtLife::kDead, std::memory_order_release);
    return true;
}

uint32_t CtTable::sweep(uint64_t now_ms, uint32_t budget) {
    uint32_t retired = 0;
    for (uint32_t n = 0; n < budget && n < pool_; ++n) {
        const uint32_t i = hand_;
        hand_ = hand_ + 1 == pool_ ? 0 : hand_ + 1;
        CtEntry& e = entries_[i];
        CtLife life = e.life.load(std::memory_order_acquire);
        if (life == CtLife::kLive && e.expires_ms.load(std::memory_order_relaxed) <= now_ms &&
            kill(e))
            life = CtLife::kDead;
        if (life != CtLife::kDead) continue;
        e.life.store(CtLife::kRetired, std::memory_order_relaxed);
        retire_ring_[retired_ % pool_] = i;
        ++retired_;
        ++retired;
    }
    return retired;
}

uint32_t CtTable::reclaim(uint64_t mark) {
    uint32_t freed = 0;
    for (; reclaimed_ < std::min(mark, retired_); ++reclaimed_, ++freed) {
        const uint32_t i = retire_ring_[reclaimed_ % pool_];
        entries_[i].life.store(CtLife::kFree, std::memory_order_relaxed);
        push_free(i);
    }
    return freed;
}

CtEntryView CtTable::view(CtEntry& e) const {
    CtEntryView v;
    v.key = e.key;
    v.orig_side = e.orig_side;
    v.mark = e.mark;
    v.status = e.status.load(std::memory_order_relaxed);
    v.expires_ms = e.expires_ms.load(std::memory_order_relaxed);
    if (e.key.protocol == kProtoTcp) {
        e.lock_tcp();
        v.tcp_state = e.tcp.state;
        e.unlock_tcp();
    }
    return v;
}

size_t CtTable::list(uint32_t& cursor, CtEntryView* out, size_t max) const {
    size_t n = 0;
    for (; cursor < pool_ && n < max; ++cursor) {
        CtEntry& e = entries_[cursor];
        if (e.life.load(std::memory_order_acquire) == CtLife::kLive) out[n++] = view(e);
    }
    return n;
}

uint32_t CtTable::kill_where(int zone, const std::function<bool(const CtEntryView&)>& doomed) {
    uint32_t killed = 0;
    for (uint32_t i = 0; i < pool_; ++i) {
        CtEntry& e = entries_[i];
        if (e.life.load(std::memory_order_acquire) != CtLife::kLive) continue;
        if (zone >= 0 && e.key.zone != zone) continue;
        if (doomed(view(e)) && kill(e)) ++killed;
    }
    return killed;
}

CtCounts CtTable::counts(int zone) const {
    CtCounts c;
    for (uint32_t i = 0; i < pool_; ++i) {
        CtEntry& e = entries_[i];
        if (e.life.load(std::memory_order_acquire) != CtLife::kLive) continue;
        if (zone >= 0 && e.key.zone != zone) continue;
        const CtEntryView v = view(e);
        ++c.connections;
        switch (v.key.protocol) {
            case kProtoTcp: ++c.tcp[static_cast<unsigned>(v.tcp_state)]; break;
            case kProtoUdp: ++c.udp; break;
            case kProtoIcmp:
            case kProtoIcmpv6: ++c.icmp; break;
            default: ++c.other; break;
        }
        if (!(v.status & kCtSeenReply)) ++c.unreplied;
        if (v.status & kCtAssured) ++c.assured;
    }
    return c;
}

}  // namespace vsw::conntrack
