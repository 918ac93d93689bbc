// Bucket and active-member choice (bond_buckets.h).
#include "bond/bond_buckets.h"

#include <algorithm>

namespace vsw {

void assign_buckets(std::array<uint8_t, kBondBuckets>& bucket, uint32_t distributing,
                    unsigned n_members) {
    if (distributing == 0 || n_members == 0) return;
    std::array<unsigned, 32> load{};
    auto live = [&](unsigned m) { return m < n_members && (distributing >> m & 1); };
    // Buckets of members that left are orphans; the others stay.
    std::array<bool, kBondBuckets> orphan{};
    for (unsigned b = 0; b < kBondBuckets; ++b) {
        if (live(bucket[b])) ++load[bucket[b]];
        else orphan[b] = true;
    }
    auto least_loaded = [&] {
        unsigned best = 32;
        for (unsigned m = 0; m < n_members; ++m)
            if (live(m) && (best == 32 || load[m] < load[best])) best = m;
        return best;
    };
    for (unsigned b = 0; b < kBondBuckets; ++b) {
        if (!orphan[b]) continue;
        const unsigned m = least_loaded();
        bucket[b] = static_cast<uint8_t>(m);
        ++load[m];
    }
    // Even out: a member far below the others (one that joined) takes buckets from the most
    // loaded, the last of theirs first, until no two differ by more than one.
    for (;;) {
        unsigned lo = least_loaded(), hi = lo;
        for (unsigned m = 0; m < n_members; ++m)
            if (live(m) && load[m] > load[hi]) hi = m;
        if (load[hi] <= load[lo] + 1) break;
        for (unsigned b = kBondBuckets; b-- > 0;)
            if (bucket[b] == hi) {
                bucket[b] = static_cast<uint8_t>(lo);
                --load[hi];
                ++load[lo];
                break;
            }
    }
}

int8_t choose_active(int8_t current, uint32_t distributing, unsigned n_members) {
    if (current >= 0 && static_cast<unsigned>(current) < n_members && (distributing >> current & 1))
        return current;
    for (unsigned m = 0; m < n_members; ++m)
        if (distributing >> m & 1) return static_cast<int8_t>(m);
    return -1;
}

}  // namespace vsw
