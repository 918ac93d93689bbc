// libFuzzer target: flow-key reading of arbitrary frames (what a guest can send).
#include <cstdint>
#include <cstring>

#include "telemetry/ipfix/flow_cache.h"
#include "telemetry/ipfix/flow_key.h"

using namespace vsw::telemetry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FlowKey key;
    FlowSample sample;
    const uint32_t len = static_cast<uint32_t>(size);
    read_flow_key(data, len, len, 1, 10, key, sample);
    // Invariants: an L2 flow carries no IP fields; the padding stays zero (the key hashes as
    // bytes).
    if (key.kind == FlowKind::kL2 &&
        (key.protocol || sample.ip_octets || key.src_port || key.icmp_type_code))
        __builtin_trap();
    if (key.pad[0] || key.pad[1]) __builtin_trap();
    if (sample.l2_octets != len) __builtin_trap();
    FlowKey again;
    read_flow_key(data, len, len, 1, 10, again, sample);
    if (memcmp(&key, &again, sizeof key) != 0 || FlowCache::hash(key) != FlowCache::hash(again))
        __builtin_trap();
    return 0;
}
