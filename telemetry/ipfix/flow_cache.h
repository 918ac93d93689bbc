// One PMD worker's flow cache (the IPFIX metering process's cache): a fixed-size hash table of
// active flows, written by its worker only (no locks). Flows leave it as FlowRecords through an
// `emit` callable (a template parameter: no virtual call on the hot path):
//
//   idle timeout      no frame for idle_ms           -> record, entry removed   (reason 1)
//   active timeout    older than active_ms           -> record, counters reset  (reason 2)
//   end detected      TCP FIN or RST                 -> record, entry removed   (reason 3)
//   forced end        flush() (reconfiguration, exit)-> record, entry removed   (reason 4)
//   lack of resources a new flow needs an entry      -> the evicted flow's record (reason 5)
//
// Memory is allocated once by the constructor (control thread). Buckets of 16 ways, at most
// half full when the cache holds max_flows: a full bucket or a full cache evicts, never refuses,
// so every metered frame is counted in some record.
#pragma once

#include <emmintrin.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>

#include "telemetry/ipfix/flow_key.h"

namespace vsw::telemetry {

enum class FlowEndReason : uint8_t {
    kIdle = 1,
    kActive = 2,
    kEndDetected = 3,
    kForced = 4,
    kLackOfResources = 5
};

struct FlowCounters {
    uint64_t packets = 0;
    uint64_t l2_octets = 0;
    uint64_t ip_octets = 0;
    uint64_t first_ms = 0;   // switch clock (ms since its origin) of the first frame
    uint64_t last_ms = 0;    // and of the last one
    uint16_t tcp_flags = 0;  // OR of the frames' TCP flags
    uint8_t tos = 0;         // of the first frame
    uint8_t pad[5] = {};
};

// What leaves the cache; the exporter encodes it. Size is a multiple of 8 (ring element).
struct FlowRecord {
    FlowKey key;
    FlowEndReason reason;
    uint8_t pad[3];
    FlowCounters c;
};
static_assert(sizeof(FlowRecord) % 8 == 0);

struct FlowTimeouts {
    uint64_t active_ms = 60'000;
    uint64_t idle_ms = 15'000;
};

class FlowCache {
  public:
    static constexpr unsigned kWays = 16;  // one bucket's signatures fill one cache line

    explicit FlowCache(uint32_t max_flows);

    uint32_t max_flows() const { return max_flows_; }
    // Flows in the cache, and flows ended to make room (reason 5); readable from other threads.
    uint32_t size() const { return count_.load(std::memory_order_relaxed); }
    uint64_t evicted() const { return evicted_.load(std::memory_order_relaxed); }
    // Entries created: each ends in exactly one record (plus one per active-timeout report).
    uint64_t started() const { return started_.load(std::memory_order_relaxed); }
    uint64_t capacity() const { return uint64_t{mask_ + 1} * kWays; }

    // A fast hash of the key: four independent 64x64->128 multiplies (they overlap in the
    // pipeline) folded by a fifth; good enough to spread keys over buckets. The words are loaded
    // straight from the key (the last two overlap): copying it to an array first made loads that
    // straddle two stores, which the CPU cannot forward.
    static uint64_t hash(const FlowKey& k) {
        return mum(
            mum(word(k, 0) ^ 0x243f6a8885a308d3ull, word(k, 8) ^ 0x13198a2e03707344ull) ^
                mum(word(k, 16) ^ 0xa4093822299f31d0ull, word(k, 24) ^ 0x082efa98ec4e6c89ull) ^
                mum(word(k, 32) ^ 0x452821e638d01377ull, word(k, 40) ^ 0xbe5466cf34e90c6cull) ^
                mum(word(k, 48) ^ 0xc0ac29b7c97c50ddull,
                    word(k, sizeof(FlowKey) - 8) ^ 0x3f84d5b5b5470917ull),
            0x9216d5d98979fb1bull);
    }
    // a == b, as four overlapping 16-byte compares (the key is 60 bytes): no call, no branch
    // per field.
    static bool same_key(const FlowKey& a, const FlowKey& b) {
        const auto* p = reinterpret_cast<const char*>(&a);
        const auto* q = reinterpret_cast<const char*>(&b);
        __m128i diff = _mm_setzero_si128();
        for (const unsigned at : {0u, 16u, 32u, unsigned{sizeof(FlowKey)} - 16u})
            diff = _mm_or_si128(
                diff, _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at)),
                                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + at))));
        return _mm_movemask_epi8(_mm_cmpeq_epi8(diff, _mm_setzero_si128())) == 0xffff;
    }
    // Starts loading the bucket `h` maps to (its signatures: one cache line).
    void prefetch(uint64_t h) const { __builtin_prefetch(&sigs_[(h & mask_) * kWays]); }
    // Once that line is in: starts loading the entry whose signature matches, if one does.
    void prefetch_entry(uint64_t h) const {
        const uint64_t b = h & mask_;
        if (const uint32_t hits = ways_equal(&sigs_[b * kWays], sig_of(h))) {
            // An entry (112 bytes) usually straddles two cache lines: load both.
            const auto* e = reinterpret_cast<const char*>(
                &entries_[b * kWays + static_cast<unsigned>(__builtin_ctz(hits))]);
            __builtin_prefetch(e);
            __builtin_prefetch(e + sizeof(Entry) - 1);
        }
    }

    // Adds one frame to its flow (h = hash(key)).
    template <class Emit>
    void update(const FlowKey& key, uint64_t h, const FlowSample& s, uint64_t now_ms,
                const FlowTimeouts& t, Emit&& emit);

    // Examines up to `budget` entries from where the last call stopped; emits those past a timeout.
    template <class Emit>
    void expire(uint64_t now_ms, const FlowTimeouts& t, uint32_t budget, Emit&& emit);

    // Ends every flow with `reason` (kForced at shutdown or reconfiguration).
    template <class Emit>
    void flush(FlowEndReason reason, Emit&& emit);

  private:
    struct Entry {
        FlowKey key;
        FlowCounters c;
    };
    static uint32_t sig_of(uint64_t h) {
        return static_cast<uint32_t>(h >> 32) | 1u;
    }  // 0 = empty way
    // Bit w set where row[w] == v: four SSE2 compares over the bucket's cache line.
    static uint32_t ways_equal(const uint32_t* row, uint32_t v) {
        const __m128i needle = _mm_set1_epi32(static_cast<int>(v));
        uint32_t bits = 0;
        for (unsigned q = 0; q < kWays / 4; ++q) {
            const __m128i four = _mm_load_si128(reinterpret_cast<const __m128i*>(row) + q);
            bits |= static_cast<uint32_t>(
                        _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(four, needle))))
                    << (4 * q);
        }
        return bits;
    }
    static uint64_t word(const FlowKey& k, size_t at) {
        uint64_t w;
        memcpy(&w, reinterpret_cast<const char*>(&k) + at, sizeof w);
        return w;
    }
    static uint64_t mum(uint64_t a, uint64_t b) {
        const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
        return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
    }
    template <class Emit>
    void end(uint64_t i, FlowEndReason reason, Emit& emit);
    template <class Emit>
    void report_and_reset(uint64_t i, FlowEndReason reason, Emit& emit);
    // Victims for a new flow: bucket b's least recently used way (b full), or the next occupied
    // way after a clock hand (the cache holds max_flows; there is one).
    uint64_t lru_way(uint64_t b) const;
    uint64_t next_occupied();

    uint32_t max_flows_;
    uint64_t mask_;  // buckets - 1
    // Both arrays live in memory the kernel may back with 2 MiB pages (a million flows span
    // hundreds of MiB: with 4 KiB pages every lookup would also miss the TLB).
    struct Unmap {
        size_t bytes;
        void operator()(void* p) const;
    };
    std::unique_ptr<uint32_t[], Unmap> sigs_{nullptr, {0}};  // per way: hash signature, 0 = empty
    std::unique_ptr<Entry[], Unmap> entries_{nullptr, {0}};  // per way
    // Single writer (the owning worker); relaxed load + store keeps them plain moves.
    void add_count(int d) {
        count_.store(count_.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
    }
    std::atomic<uint32_t> count_{0};    // occupied ways
    std::atomic<uint64_t> evicted_{0};  // flows ended for lack of resources
    std::atomic<uint64_t> started_{0};  // entries created
    uint64_t scan_ = 0;                 // expire(): next way to examine
    uint64_t hand_ = 0;                 // next_occupied(): where the search resumes
};

template <class Emit>
void FlowCache::end(uint64_t i, FlowEndReason reason, Emit& emit) {
    if (entries_[i].c.packets) emit(FlowRecord{entries_[i].key, reason, {}, entries_[i].c});
    sigs_[i] = 0;
    add_count(-1);
}

template <class Emit>
void FlowCache::report_and_reset(uint64_t i, FlowEndReason reason, Emit& emit) {
    Entry& e = entries_[i];
    emit(FlowRecord{e.key, reason, {}, e.c});
    e.c = FlowCounters{};  // the next frame starts the next record
}

template <class Emit>
void FlowCache::update(const FlowKey& key, uint64_t h, const FlowSample& s, uint64_t now_ms,
                       const FlowTimeouts& t, Emit&& emit) {
    const uint64_t b = h & mask_;
    const uint32_t sig = sig_of(h);
    uint32_t* sig_row = &sigs_[b * kWays];
    uint64_t i = ~uint64_t{0};
    for (uint32_t hits = ways_equal(sig_row, sig); hits; hits &= hits - 1) {
        const uint64_t w = b * kWays + static_cast<unsigned>(__builtin_ctz(hits));
        if (same_key(entries_[w].key, key)) {
            i = w;
            break;
        }
    }
    int free_way = -1;
    if (i == ~uint64_t{0})
        if (const uint32_t empty = ways_equal(sig_row, 0)) free_way = __builtin_ctz(empty);
    if (i == ~uint64_t{0}) {
        const bool bucket_full = free_way < 0;
        if (bucket_full || size() >= max_flows_) {
            // Bucket full: its least recently used flow makes room; cache full: some other flow.
            const uint64_t v = bucket_full ? lru_way(b) : next_occupied();
            end(v, FlowEndReason::kLackOfResources, emit);
            evicted_.store(evicted() + 1, std::memory_order_relaxed);
            if (bucket_full) free_way = static_cast<int>(v - b * kWays);
        }
        i = b * kWays + static_cast<unsigned>(free_way);
        sig_row[free_way] = sig;
        add_count(1);
        started_.store(started() + 1, std::memory_order_relaxed);
        entries_[i].key = key;
        entries_[i].c = FlowCounters{};
    }
    FlowCounters& c = entries_[i].c;
    if (c.packets == 0) {
        c.first_ms = now_ms;
        c.tos = s.tos;
    } else if (now_ms - c.first_ms >= t.active_ms) {
        report_and_reset(i, FlowEndReason::kActive, emit);
        c.first_ms = now_ms;
        c.tos = s.tos;
    }
    c.packets += s.packets;
    c.l2_octets += s.l2_octets;
    c.ip_octets += s.ip_octets;
    c.last_ms = now_ms;
    c.tcp_flags = static_cast<uint16_t>(c.tcp_flags | s.tcp_flags);
    if (s.tcp_flags & (kTcpFin | kTcpRst)) end(i, FlowEndReason::kEndDetected, emit);
}

template <class Emit>
void FlowCache::expire(uint64_t now_ms, const FlowTimeouts& t, uint32_t budget, Emit&& emit) {
    const uint64_t n = capacity();
    for (uint32_t k = 0; k < budget && size(); ++k) {
        const uint64_t i = scan_;
        scan_ = scan_ + 1 == n ? 0 : scan_ + 1;
        if (sigs_[i] == 0) continue;
        const FlowCounters& c = entries_[i].c;
        if (c.packets == 0) {  // reported by the active timeout, quiet since
            if (now_ms - c.last_ms >= t.idle_ms) end(i, FlowEndReason::kIdle, emit);
        } else if (now_ms - c.last_ms >= t.idle_ms) {
            end(i, FlowEndReason::kIdle, emit);
        } else if (now_ms - c.first_ms >= t.active_ms) {
            report_and_reset(i, FlowEndReason::kActive, emit);
            entries_[i].c.last_ms = now_ms;  // keeps the entry for the idle timeout to judge
        }
    }
}

template <class Emit>
void FlowCache::flush(FlowEndReason reason, Emit&& emit) {
    const uint64_t n = capacity();
    for (uint64_t i = 0; i < n && size(); ++i)
        if (sigs_[i]) end(i, reason, emit);
}

}  // namespace vsw::telemetry
