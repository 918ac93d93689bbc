// Token buckets on the datapath: what a shaped port costs per frame.
#include "qos/token_bucket.h"
#include "tests/support/bench.h"

using namespace vsw;

int main() {
    constexpr uint64_t kHz = 2'000'000'000;  // a 2 GHz TSC
    uint64_t now = 0;
    qos::Shaper committed(125'000'000, 1'250'000, 0, 3036, kHz, now);  // 1 Gbit/s
    bench::run("token bucket: refill + charge one 1518 B frame", 1, [&] {
        now += 24'000;  // 12 us later: about the frame's time at 1 Gbit/s
        committed.refill(now);
        if (committed.positive()) committed.charge(1518);
        bench::keep(committed);
    });
    qos::Shaper peaked(125'000'000, 1'250'000, 250'000'000, 3036, kHz, now);  // and a 2 Gbit/s peak
    bench::run("token bucket: the same with a peak bucket", 1, [&] {
        now += 24'000;
        peaked.refill(now);
        if (peaked.positive()) peaked.charge(1518);
        bench::keep(peaked);
    });
    qos::Shaper burst(125'000'000, 1'250'000, 0, 3036, kHz, now);
    bench::run("token bucket: a burst of 32 frames charged at once", 32, [&] {
        now += 32 * 24'000;
        burst.refill(now);
        if (burst.positive()) burst.charge(32 * 1518);
        bench::keep(burst);
    });
}
