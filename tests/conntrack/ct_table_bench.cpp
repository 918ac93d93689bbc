// Connection tracking's per-packet costs on one thread: reading a frame's key; checking an
// established packet (per burst of 32: hashes and bucket prefetches, then entry prefetches,
// then the checks) with 1, 1k, 100k and 1M connections in the table, UDP and TCP; a new
// connection (check, then commit); the sweep per entry; two threads at once (two PMDs) on the
// same connections, one direction each, against each on connections of its own; and the memory
// per connection.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "conntrack/ct_key.h"
#include "conntrack/ct_table.h"
#include "conntrack/ct_track.h"
#include "tests/conntrack/ct_frames.h"
#include "tests/support/bench.h"

using namespace vsw;
using namespace vsw::conntrack;
using namespace vsw::conntrack::testing;

namespace {

constexpr uint64_t kNow = 1'000'000;

// Connection i: 10.x.y.z:port -> 172.16.0.1:53 (UDP) or :22 (TCP), spread over addresses and
// ports; `reply`: the packet from the server.
CtPacket packet(uint32_t i, uint8_t protocol, bool reply) {
    CtKey k;
    memset(&k, 0, sizeof k);
    const uint32_t client = 0x0a000000 | (i & 0xffffff);
    const uint32_t server = 0xac100001;
    put_be32(k.addr[reply ? 1 : 0], client);
    put_be32(k.addr[reply ? 0 : 1], server);
    const auto cport = static_cast<uint16_t>(1024 + (i >> 24));
    const uint16_t sport = protocol == kProtoTcp ? 22 : 53;
    k.port[reply ? 1 : 0] = cport;
    k.port[reply ? 0 : 1] = sport;
    k.zone = 1;
    k.family = 4;
    k.protocol = protocol;
    CtPacket p;
    p.key = k;
    p.side = canonicalize(p.key);
    return p;
}

TcpSegment segment(uint32_t seq, uint32_t ack, uint8_t flags) {
    TcpSegment s;
    s.seq = seq;
    s.ack = ack;
    s.sack = ack;
    s.flags = flags;
    s.window = 64240;
    return s;
}

// A table with `n` established connections (a reply seen), and the reply-direction packets of
// all of them in a shuffled order.
struct Loaded {
    std::unique_ptr<CtTable> table;  // the connections
    std::vector<CtPacket> packets;   // one reply-direction packet each, shuffled (32 at least)
};

Loaded load(uint32_t n, uint8_t protocol) {
    Loaded l;
    l.table = std::make_unique<CtTable>(std::max<uint32_t>(n, 1024));
    const CtTimeouts to;
    for (uint32_t i = 0; i < n; ++i) {
        CtPacket out = packet(i, protocol, false);
        CtPacket back = packet(i, protocol, true);
        if (protocol == kProtoTcp) {
            out.tcp = segment(1000, 0, kTcpSyn);
            back.tcp = segment(5000, 1001, kTcpSyn | kTcpAck);
        }
        ct_commit(*l.table, out, CtTable::hash(out.key), kNow, to);
        ct_check(*l.table, back, CtTable::hash(back.key), kNow, to);
        if (protocol == kProtoTcp) {
            out.tcp = segment(1001, 5001, kTcpAck);
            ct_check(*l.table, out, CtTable::hash(out.key), kNow, to);
            back.tcp = segment(5001, 1001, kTcpAck);  // the packet the benchmark repeats
        }
        l.packets.push_back(back);
    }
    uint64_t x = 88172645463325252ull;  // xorshift: a fixed shuffle
    for (size_t i = l.packets.size(); i > 1; --i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::swap(l.packets[i - 1], l.packets[x % i]);
    }
    while (l.packets.size() < 32) l.packets.push_back(l.packets[l.packets.size() % n]);
    return l;
}

void established(uint32_t n, uint8_t protocol, bool prefetch) {
    Loaded l = load(n, protocol);
    const CtTimeouts to;
    size_t at = 0;
    uint64_t passed = 0;
    auto burst = [&] {
        if (at + 32 > l.packets.size()) at = 0;
        const CtPacket* p = &l.packets[at];
        uint64_t h[32];
        for (int i = 0; i < 32; ++i) {
            h[i] = CtTable::hash(p[i].key);
            if (prefetch) l.table->prefetch(h[i]);
        }
        if (prefetch)
            for (int i = 0; i < 32; ++i) l.table->prefetch_entry(h[i]);
        for (int i = 0; i < 32; ++i)
            passed += ct_check(*l.table, p[i], h[i], kNow, to).state == CtState::kEstablished;
        at += 32;
    };
    burst();
    if (passed != 32)
        std::printf("  (only %llu of 32 established!)\n", static_cast<unsigned long long>(passed));
    const std::string name = std::string(protocol == kProtoTcp ? "TCP" : "UDP") + " established, " +
                             std::to_string(n) + " conns" + (prefetch ? "" : ", no prefetch");
    bench::run(name.c_str(), 32, burst);
    bench::keep(passed);
}

// New connections: `n` first packets into an empty table of capacity n, checked (a miss) then
// committed; the best of three fresh tables.
void new_connections(uint32_t n, uint8_t protocol) {
    std::vector<CtPacket> packets;
    for (uint32_t i = 0; i < n; ++i) {
        CtPacket p = packet(i, protocol, false);
        if (protocol == kProtoTcp) p.tcp = segment(1000, 0, kTcpSyn);
        packets.push_back(p);
    }
    const CtTimeouts to;
    double best = 1e300;
    for (int round = 0; round < 3; ++round) {
        CtTable t(n);
        uint64_t inserted = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (uint32_t i = 0; i < n; ++i) {
            const CtPacket& p = packets[i];
            const uint64_t h = CtTable::hash(p.key);
            if (ct_check(t, p, h, kNow, to).entry == nullptr)
                inserted += ct_commit(t, p, h, kNow, to).insert == CtTable::InsertResult::kInserted;
        }
        const double ns =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
        if (inserted != n)
            std::printf("  (only %llu inserted!)\n", static_cast<unsigned long long>(inserted));
        best = std::min(best, ns / n);
    }
    std::printf("%-48s %9.2f ns/op\n",
                (std::string(protocol == kProtoTcp ? "TCP" : "UDP") + " new connection, table to " +
                 std::to_string(n))
                    .c_str(),
                best);
}

void parse() {
    const Frame tcp_frame = tcp4("10.0.0.1", 40000, "10.0.0.2", 22, kTcpAck | kTcpPsh, 1000, 5000);
    const Frame udp_v6 = eth(0x86dd, ipv6(v6("fd00::1"), v6("fd00::2"), kProtoUdp, udp(5000, 53)));
    const std::pair<const char*, const Frame*> frames[] = {{"key of a TCP/IPv4 frame", &tcp_frame},
                                                           {"key of a UDP/IPv6 frame", &udp_v6}};
    for (const auto& named : frames) {
        const Frame& f = *named.second;
        CtPacket p;
        uint64_t ok = 0;
        bench::run(named.first, 1, [&] {
            ok += read_ct_packet(f.data(), static_cast<uint32_t>(f.size()),
                                 static_cast<uint32_t>(f.size()), 1, p) == CtKeyError::kNone;
            bench::keep(p);
        });
        bench::keep(ok);
    }
}

void sweep(uint32_t n) {
    Loaded l = load(n, kProtoUdp);
    uint32_t retired = 0;
    bench::run(("sweep per entry, " + std::to_string(n) + " conns (none due)").c_str(), 1024,
               [&] { retired += l.table->sweep(kNow, 1024); });
    bench::keep(retired);
}

// Checks `packets` in bursts of 32 (prefetching) `passes` times; ns per packet.
double check_all(CtTable& t, const std::vector<CtPacket>& packets, int passes) {
    const CtTimeouts to;
    uint64_t passed = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int pass = 0; pass < passes; ++pass) {
        for (size_t at = 0; at + 32 <= packets.size(); at += 32) {
            uint64_t h[32];
            for (int i = 0; i < 32; ++i) {
                h[i] = CtTable::hash(packets[at + i].key);
                t.prefetch(h[i]);
            }
            for (int i = 0; i < 32; ++i) t.prefetch_entry(h[i]);
            for (int i = 0; i < 32; ++i)
                passed +=
                    ct_check(t, packets[at + i], h[i], kNow, to).state == CtState::kEstablished;
        }
    }
    const double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    bench::keep(passed);
    return ns / (static_cast<double>(passes) * static_cast<double>(packets.size() / 32 * 32));
}

// Two threads at once on 1024 established TCP connections. Shared: one thread checks every
// connection's original direction, the other its replies (each entry's lines and TCP lock go
// back and forth between the cores). Apart: each thread both directions of its own half.
void two_threads(bool shared) {
    const uint32_t n = 1024;
    Loaded l = load(n, kProtoTcp);
    std::vector<CtPacket> replies(l.packets.begin(), l.packets.begin() + n), originals;
    for (CtPacket p : replies) {
        p.side = static_cast<uint8_t>(1 - p.side);
        p.tcp = segment(1001, 5001, kTcpAck);
        originals.push_back(p);
    }
    std::vector<CtPacket> work[2];
    if (shared) {
        work[0] = originals;
        work[1] = replies;
    } else {
        for (uint32_t i = 0; i < n; ++i) {
            work[i < n / 2].push_back(originals[i]);
            work[i < n / 2].push_back(replies[i]);
        }
    }
    double best = 1e300;
    for (int round = 0; round < 5; ++round) {
        std::atomic<int> ready{0};
        double ns[2] = {};
        auto run = [&](int w) {
            ++ready;
            while (ready.load() < 2) {
            }
            ns[w] = check_all(*l.table, work[w], 2000);
        };
        std::thread a(run, 0), b(run, 1);
        a.join();
        b.join();
        best = std::min(best, std::max(ns[0], ns[1]));
    }
    std::printf("%-48s %9.2f ns/op (per thread)\n",
                shared ? "TCP established, 2 threads, shared conns"
                       : "TCP established, 2 threads, own conns",
                best);
    std::fflush(stdout);
}

void memory(uint32_t n) {
    CtTable t(n);
    std::printf(
        "memory: %u connections: %zu bytes, %.1f bytes per connection (entry %zu, pool %u)\n", n,
        t.memory_bytes(), static_cast<double>(t.memory_bytes()) / n, sizeof(CtEntry),
        t.pool_size());
}

}  // namespace

int main() {
    parse();
    for (uint32_t n : {1u, 1000u, 100'000u, 1'000'000u}) established(n, kProtoUdp, true);
    established(1'000'000, kProtoUdp, false);
    for (uint32_t n : {1u, 1000u, 1'000'000u}) established(n, kProtoTcp, true);
    new_connections(1'000'000, kProtoUdp);
    new_connections(1'000'000, kProtoTcp);
    sweep(1'000'000);
    two_threads(false);
    two_threads(true);
    memory(1'000'000);
    memory(100'000);
}
