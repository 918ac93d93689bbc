// Flow-cache updates as meter_burst() makes them: per burst of 32 frames, hashes and signature
// prefetches, then entry prefetches, then the updates; with one flow and with a million
// concurrent ones (the cache far beyond the CPU's caches).
#include <cstring>
#include <string>
#include <vector>

#include "telemetry/ipfix/flow_cache.h"
#include "tests/support/bench.h"

using namespace vsw;
using namespace vsw::telemetry;

namespace {

FlowKey key(uint32_t i) {
    FlowKey k;
    std::memset(&k, 0, sizeof k);
    k.kind = FlowKind::kIpv4;
    k.ethertype = 0x0800;
    k.protocol = 17;
    k.vlan = 10;
    k.in_port = 1;
    std::memcpy(k.src_ip, &i, 4);
    k.dst_ip[0] = 10;
    k.src_port = static_cast<uint16_t>(i);
    k.dst_port = 4789;
    return k;
}

void updates(uint32_t flows) {
    FlowCache cache(std::max<uint32_t>(flows, 1024));
    std::vector<FlowKey> keys;
    for (uint32_t i = 0; i < flows; ++i) keys.push_back(key(i * 2654435761u));
    while (keys.size() < 32) keys.push_back(keys[keys.size() % flows]);
    const FlowSample sample{1000, 986, 0, 0};
    const FlowTimeouts timeouts{3'600'000, 3'600'000};  // nothing ends during the run
    uint64_t emitted = 0;
    auto emit = [&](const FlowRecord&) { ++emitted; };
    size_t at = 0;
    auto burst = [&] {
        if (at + 32 > keys.size()) at = 0;
        uint64_t h[32];
        for (int i = 0; i < 32; ++i) {
            h[i] = FlowCache::hash(keys[at + i]);
            cache.prefetch(h[i]);
        }
        for (int i = 0; i < 32; ++i) cache.prefetch_entry(h[i]);
        for (int i = 0; i < 32; ++i) cache.update(keys[at + i], h[i], sample, 1, timeouts, emit);
        at += 32;
    };
    for (size_t i = 0; i < keys.size() / 32; ++i)
        burst();  // every flow in the cache: updates, not inserts
    const std::string name = "flow cache update, " + std::to_string(flows) + " flows, burst of 32";
    bench::run(name.c_str(), 32, burst);
    bench::keep(emitted);
}

}  // namespace

int main() {
    updates(1);
    updates(1'000'000);
}
