#include "telemetry/flow_cache.h"

#include <algorithm>
#include <bit>

namespace vsw::telemetry {

FlowCache::FlowCache(uint32_t max_flows) : max_flows_(max_flows ? max_flows : 1) {
    // At most half the ways used when full: buckets rarely overflow before the cache does.
    const uint64_t buckets = std::bit_ceil(std::max<uint64_t>(1, (uint64_t{max_flows_} * 2 + kWays - 1) / kWays));
    mask_ = buckets - 1;
    sigs_ = std::make_unique<uint32_t[]>(buckets * kWays);        // zeroed: all empty
    entries_ = std::make_unique<Entry[]>(buckets * kWays);
}

uint64_t FlowCache::hash(const FlowKey& k) {
    // Multiply-xorshift over the key's 64-bit words (the key has no padding bytes).
    static_assert(sizeof(FlowKey) % 4 == 0);
    uint64_t words[8] = {};
    memcpy(words, &k, sizeof k);
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (uint64_t w : words) {
        h ^= w;
        h *= 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 29);
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
