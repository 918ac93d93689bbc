#include "telemetry/ipfix/flow_cache.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <vector>

using namespace vsw::telemetry;

namespace {

FlowKey key(uint32_t n) {
    FlowKey k;
    memset(&k, 0, sizeof k);
    k.kind = FlowKind::kIpv4;
    memcpy(k.src_ip, &n, 4);
    k.protocol = 17;
    return k;
}

struct Sink {
    std::vector<FlowRecord> records;
    void operator()(const FlowRecord& r) { records.push_back(r); }
};

void add(FlowCache& c, const FlowKey& k, uint64_t now, Sink& sink, const FlowTimeouts& t = {},
         uint16_t flags = 0, uint32_t len = 100) {
    FlowSample s;
    s.l2_octets = len;
    s.ip_octets = len - 14;
    s.tcp_flags = flags;
    c.update(k, FlowCache::hash(k), s, now, t, sink);
}

}  // namespace

TEST_CASE("frames of one flow accumulate; idle timeout ends it") {
    FlowCache c(1024);
    Sink sink;
    FlowTimeouts t{60'000, 15'000};
    for (int i = 0; i < 5; ++i) add(c, key(1), 1000 + i, sink, t);
    add(c, key(2), 1000, sink, t);
    CHECK(c.size() == 2);
    c.expire(10'000, t, 1u << 20, sink);
    CHECK(sink.records.empty());
    c.expire(1004 + 15'000, t, 1u << 20, sink);
    REQUIRE(sink.records.size() == 2);
    std::map<uint32_t, FlowRecord> by_src;
    for (const auto& r : sink.records) {
        uint32_t n;
        memcpy(&n, r.key.src_ip, 4);
        by_src[n] = r;
    }
    CHECK(by_src[1].c.packets == 5);
    CHECK(by_src[1].c.l2_octets == 500);
    CHECK(by_src[1].c.ip_octets == 5 * 86);
    CHECK(by_src[1].c.first_ms == 1000);
    CHECK(by_src[1].c.last_ms == 1004);
    CHECK(by_src[1].reason == FlowEndReason::kIdle);
    CHECK(by_src[2].c.packets == 1);
    CHECK(c.size() == 0);
}

TEST_CASE("active timeout reports and keeps the flow with counters reset") {
    FlowCache c(1024);
    Sink sink;
    FlowTimeouts t{10'000, 5'000};
    for (uint64_t ms = 0; ms <= 25'000; ms += 1000) add(c, key(7), ms, sink, t);  // 26 frames
    // Reports at 10 s (frames 0..9 s) and 20 s (10..19 s); frames 20..25 s are still cached.
    REQUIRE(sink.records.size() == 2);
    CHECK(sink.records[0].reason == FlowEndReason::kActive);
    CHECK(sink.records[0].c.packets == 10);
    CHECK(sink.records[0].c.first_ms == 0);
    CHECK(sink.records[0].c.last_ms == 9000);
    CHECK(sink.records[1].c.packets == 10);
    CHECK(sink.records[1].c.first_ms == 10'000);
    c.flush(FlowEndReason::kForced, sink);
    REQUIRE(sink.records.size() == 3);
    CHECK(sink.records[2].reason == FlowEndReason::kForced);
    CHECK(sink.records[2].c.packets == 6);
    uint64_t total = 0;
    for (const auto& r : sink.records) total += r.c.packets;
    CHECK(total == 26);
}

TEST_CASE("active timeout also fires from the expiry scan; the quiet remainder then idles out") {
    FlowCache c(1024);
    Sink sink;
    FlowTimeouts t{10'000, 8'000};
    for (uint64_t ms = 0; ms < 10'000; ms += 2000)
        add(c, key(1), ms, sink, t);  // 5 frames, last at 8 s
    c.expire(10'000, t, 1u << 20, sink);
    REQUIRE(sink.records.size() == 1);
    CHECK(sink.records[0].reason == FlowEndReason::kActive);
    CHECK(sink.records[0].c.packets == 5);
    CHECK(c.size() == 1);
    c.expire(18'000, t, 1u << 20, sink);  // nothing since: ends without a second (empty) record
    CHECK(sink.records.size() == 1);
    CHECK(c.size() == 0);
}

TEST_CASE("TCP FIN and RST end the flow at once") {
    FlowCache c(1024);
    Sink sink;
    add(c, key(1), 1, sink, {}, 0x02);
    add(c, key(1), 2, sink, {}, 0x10);
    add(c, key(1), 3, sink, {}, 0x11);  // FIN ACK
    REQUIRE(sink.records.size() == 1);
    CHECK(sink.records[0].reason == FlowEndReason::kEndDetected);
    CHECK(sink.records[0].c.packets == 3);
    CHECK(sink.records[0].c.tcp_flags == 0x13);
    add(c, key(2), 4, sink, {}, 0x04);  // RST alone
    REQUIRE(sink.records.size() == 2);
    CHECK(sink.records[1].c.packets == 1);
    CHECK(c.size() == 0);
}

TEST_CASE("a full cache evicts with reason 5 and loses no frame") {
    const uint32_t max = 1000;
    FlowCache c(max);
    Sink sink;
    const uint32_t flows = 5000;
    for (uint32_t i = 0; i < flows; ++i) add(c, key(i), i, sink);
    CHECK(c.size() <= max);
    CHECK(c.evicted() == sink.records.size());
    for (const auto& r : sink.records) CHECK(r.reason == FlowEndReason::kLackOfResources);
    const size_t evicted = sink.records.size();
    CHECK(evicted >= flows - max);
    c.flush(FlowEndReason::kForced, sink);
    // Every flow is in exactly one record.
    CHECK(sink.records.size() == flows);
    uint64_t packets = 0;
    for (const auto& r : sink.records) packets += r.c.packets;
    CHECK(packets == flows);
}

TEST_CASE("expiry scans in slices and wraps around") {
    FlowCache c(64);
    Sink sink;
    FlowTimeouts t{60'000, 1'000};
    for (uint32_t i = 0; i < 40; ++i) add(c, key(i), 0, sink, t);
    uint32_t calls = 0;
    while (c.size() && calls < 1000) {
        c.expire(5'000, t, 7, sink);
        ++calls;
    }
    CHECK(c.size() == 0);
    CHECK(sink.records.size() == 40);
    CHECK(calls <= c.capacity() / 7 + 1);
}
