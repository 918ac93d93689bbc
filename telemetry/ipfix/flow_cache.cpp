#include "telemetry/ipfix/flow_cache.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <memory>
#include <new>
#include <type_traits>

namespace vsw::telemetry {

namespace {

// Zeroed anonymous memory, with transparent huge pages asked for.
void* map_zeroed(size_t bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without THP the cache still works
    return p;
}

}  // namespace

void FlowCache::Unmap::operator()(void* p) const {
    if (p) munmap(p, bytes);
}

FlowCache::FlowCache(uint32_t max_flows) : max_flows_(max_flows ? max_flows : 1) {
    // At most half the ways used when full: buckets rarely overflow before the cache does.
    const uint64_t buckets =
        std::bit_ceil(std::max<uint64_t>(1, (uint64_t{max_flows_} * 2 + kWays - 1) / kWays));
    mask_ = buckets - 1;
    const size_t ways = buckets * kWays;
    static_assert(std::is_trivially_destructible_v<Entry>);
    sigs_ = {static_cast<uint32_t*>(map_zeroed(ways * sizeof(uint32_t))),
             {ways * sizeof(uint32_t)}};  // all empty
    void* raw = map_zeroed(ways * sizeof(Entry));
    entries_ = {std::uninitialized_value_construct_n(static_cast<Entry*>(raw), ways) - ways,
                {ways * sizeof(Entry)}};
}

uint64_t FlowCache::lru_way(uint64_t b) const {
    uint64_t best = b * kWays;
    for (unsigned w = 1; w < kWays; ++w)
        if (entries_[b * kWays + w].c.last_ms < entries_[best].c.last_ms) best = b * kWays + w;
    return best;
}

uint64_t FlowCache::next_occupied() {
    const uint64_t n = capacity();
    while (sigs_[hand_] == 0) hand_ = hand_ + 1 == n ? 0 : hand_ + 1;
    const uint64_t i = hand_;
    hand_ = hand_ + 1 == n ? 0 : hand_ + 1;
    return i;
}

}  // namespace vsw::telemetry
