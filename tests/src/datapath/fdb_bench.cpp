// FDB lookups as decide() makes them: a burst of 32 destinations, their buckets prefetched
// first, then looked up; with one learned MAC and with a million (far beyond the CPU's caches).
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "src/datapath/fdb.h"
#include "tests/support/bench.h"

using namespace vsw;

namespace {

void lookups(uint32_t entries) {
    Fdb fdb(entries);
    std::vector<Mac> macs(entries);
    for (uint32_t i = 0; i < entries; ++i) {
        macs[i] = 0x020000000000 | (uint64_t{i} * 2654435761u & 0xffffffffff);
        fdb.learn(macs[i], 10, static_cast<uint16_t>(i % 200), 0);
    }
    std::shuffle(macs.begin(), macs.end(), std::mt19937_64(1));  // no locality to help
    std::vector<Mac> order;  // what 32 frames of each burst are addressed to
    for (size_t i = 0; order.size() < std::max<size_t>(entries, 4096); i = (i + 1) % macs.size())
        order.push_back(macs[i]);
    size_t at = 0;
    const std::string name =
        "fdb lookup, " + std::to_string(entries) + " learned, burst of 32 prefetched";
    bench::run(name.c_str(), 32, [&] {
        if (at + 32 > order.size()) at = 0;
        const Mac* dst = &order[at];
        at += 32;
        for (int i = 0; i < 32; ++i) fdb.prefetch(dst[i], 10);
        int sum = 0;
        for (int i = 0; i < 32; ++i) sum += fdb.lookup(dst[i], 10);
        bench::keep(sum);
    });
    const std::string single = "fdb lookup, " + std::to_string(entries) + " learned, one at a time";
    bench::run(single.c_str(), 1, [&] {
        if (at >= order.size()) at = 0;
        bench::keep(fdb.lookup(order[at++], 10));
    });
}

}  // namespace

int main() {
    lookups(1);
    lookups(1'000'000);
}
