// vsw-macgen: a traffic generator for the FDB and port-scale benchmarks. dpdk-testpmd cannot
// address many destination MACs, so this small DPDK program does, over net_virtio_user ports
// that are vhost-user servers (the switch connects to them, as it would to QEMU).
//
//   port 0 ("sender"):   frames from MAC S to MAC D(i), i cycling through N MACs in a shuffled
//   order port 1 ("receiver"): first announces D(0..N-1) as source MACs (so the switch learns them
//   on
//                        its port), then counts what arrives
//   ports 2..: idle guests (connected, never sending), for port-scale runs
//   --flows N:  port 0's frames are IPv4/UDP from 10.x.y.z (z, y, x = flow index)
//   to 10.255.255.254,
//               cycling through N flows in a shuffled order (IPFIX flow-cache benchmarks)
//   --tso:      port 0 sends TSO frames instead (tso.h): one IPv4/TCP flow of ~64 KB frames, gso
//               size 1448, through the TX offload; port 1 receives them with LRO (large
//               receive) on, so frames the switch passes whole arrive whole. Adds the received
//               bytes, LRO-marked frames and TCP payload Gbit/s to the JSON line. With --seconds 0
//               it runs until stdin closes, answering each line read on stdin with its counters
//               so far (tso_generator.py measures over the caller's own window that way).
//
// Prints one JSON line: {"macs": N, "ports": P, "pps": ..., "sent": ..., "received": ...}.
#include <getopt.h>
#include <poll.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "integration/bench/tso.h"

namespace {

constexpr uint16_t kBurst = 32;

struct Options {
    std::string socket_dir;  // sockets are DIR/gen<i>.sock
    unsigned macs = 1;       // destination MACs learned behind port 1
    unsigned ports = 2;      // virtio-user ports in all
    double seconds = 5;      // measuring time
    unsigned size = 64;      // frame size including FCS
    unsigned flows = 0;      // > 0: IPv4/UDP frames of this many flows (one destination MAC)
    bool tso = false;        // ~64 KB TSO frames to a receiver with LRO (tso.h)
    std::string prefix = "vsw-macgen";
};

void mac_of(unsigned i, uint8_t* out) {  // D(i): 02:dd:xx:xx:xx:xx
    out[0] = 0x02;
    out[1] = 0xdd;
    out[2] = static_cast<uint8_t>(i >> 24);
    out[3] = static_cast<uint8_t>(i >> 16);
    out[4] = static_cast<uint8_t>(i >> 8);
    out[5] = static_cast<uint8_t>(i);
}

const uint8_t kSender[6] = {0x02, 0x5e, 0x00, 0x00, 0x00, 0x01};

rte_mbuf* make_frame(rte_mempool* pool, const uint8_t* dst, const uint8_t* src, unsigned len) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (!m) return nullptr;
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(len)));
    std::memset(p, 0, len);
    std::memcpy(p, dst, 6);
    std::memcpy(p + 6, src, 6);
    p[12] = 0x88;  // local experimental EtherType: nobody parses it
    p[13] = 0xb5;
    return m;
}

// Turns a frame from make_frame into IPv4/UDP of flow `flow` (source address 10.0.0.0 + flow).
void make_udp(rte_mbuf* m, uint32_t flow) {
    uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
    const uint16_t ip_len = static_cast<uint16_t>(m->data_len - 14);
    p[12] = 0x08;
    p[13] = 0x00;
    uint8_t* ip = p + 14;
    const uint32_t src = 0x0a000000u | (flow & 0xffffff), dst = 0x0afffffeu;
    const uint8_t hdr[20] = {0x45,
                             0,
                             static_cast<uint8_t>(ip_len >> 8),
                             static_cast<uint8_t>(ip_len),
                             0,
                             0,
                             0,
                             0,
                             64,
                             17,
                             0,
                             0,
                             static_cast<uint8_t>(src >> 24),
                             static_cast<uint8_t>(src >> 16),
                             static_cast<uint8_t>(src >> 8),
                             static_cast<uint8_t>(src),
                             static_cast<uint8_t>(dst >> 24),
                             static_cast<uint8_t>(dst >> 16),
                             static_cast<uint8_t>(dst >> 8),
                             static_cast<uint8_t>(dst)};
    std::memcpy(ip, hdr, 20);
    uint8_t* udp = ip + 20;
    const uint16_t udp_len = static_cast<uint16_t>(ip_len - 20);
    const uint8_t uh[8] = {
        0x03, 0xe8, 0x07, 0xd0, static_cast<uint8_t>(udp_len >> 8), static_cast<uint8_t>(udp_len),
        0,    0};
    std::memcpy(udp, uh, 8);
}

unsigned drain(uint16_t port) {
    rte_mbuf* pkts[kBurst];
    unsigned total = 0;
    for (uint16_t n; (n = rte_eth_rx_burst(port, 0, pkts, kBurst)) > 0;) {
        rte_pktmbuf_free_bulk(pkts, n);
        total += n;
    }
    return total;
}

// Descriptors per queue: idle ports get small rings (each holds mbufs); --tso's receiver a large
// one (a 64 KB frame takes 33 of its 2 KB buffers: 4096 hold 124 frames, tso::kWindow is 64).
uint16_t ring_size(uint16_t port, bool tso) {
    return port >= 2 ? 256 : (tso && port == 1) ? 4096 : 1024;
}

bool setup_port(uint16_t port, rte_mempool* pool, bool tso) {
    rte_eth_conf conf{};
    const uint16_t ring = ring_size(port, tso);
    if (tso && port < 2 && !tso::configure(port, port == 0, conf)) return false;
    if (rte_eth_dev_configure(port, 1, 1, &conf) != 0) return false;
    if (rte_eth_rx_queue_setup(port, 0, ring, 0, nullptr, pool) != 0) return false;
    if (rte_eth_tx_queue_setup(port, 0, ring, 0, nullptr) != 0) return false;
    return rte_eth_dev_start(port) == 0;
}

// False once stdin is closed; counts the lines read meanwhile (never blocks).
bool read_stdin(unsigned& lines) {
    pollfd pfd{0, POLLIN, 0};
    while (poll(&pfd, 1, 0) > 0) {
        char buf[256];
        const ssize_t k = read(0, buf, sizeof buf);
        if (k <= 0) return false;
        lines += static_cast<unsigned>(std::count(buf, buf + k, '\n'));
    }
    return true;
}

// lost: frames written off as lost so far (run_tso).
void print_tso(const char* before, uint64_t sent, const tso::Received& r, uint64_t lost,
               const char* after) {
    std::printf(
        "%s\"sent\": %llu, \"received\": %llu, \"rx_bytes\": %llu, \"lro\": %llu, "
        "\"lost\": %llu%s\n",
        before, static_cast<unsigned long long>(sent), static_cast<unsigned long long>(r.frames),
        static_cast<unsigned long long>(r.bytes), static_cast<unsigned long long>(r.lro),
        static_cast<unsigned long long>(lost), after);
    std::fflush(stdout);
}

// --tso: port 0 sends the same few TSO frames over and over (a reference each time), at most
// tso::kWindow of them in flight (sent, not yet received: a TCP window; the generator is closed
// loop, as testpmd's circulating bursts are, and the receiver's ring never overflows). A window
// that stays full 100 ms (frames lost on the way) is written off as lost and opened again.
// Port 1 counts. --seconds T: a warm-up second, "measuring", T seconds, the JSON result.
// --seconds 0: until stdin closes, the counters so far for every line read.
void run_tso(const Options& o, const uint8_t* dst) {
    rte_mempool* big = rte_pktmbuf_pool_create("tso", tso::kTemplates, 0, 0, UINT16_MAX, 0);
    rte_mbuf* frames[tso::kTemplates];
    for (unsigned i = 0; i < tso::kTemplates; ++i)
        if (!big || !(frames[i] = tso::make_frame(big, dst, kSender, i * tso::kPayload))) {
            std::fprintf(stderr, "vsw-macgen: no memory for the TSO frames\n");
            std::exit(1);
        }
    uint64_t sent = 0, lost = 0, base_sent = 0;
    tso::Received rx, base;
    unsigned next = 0, lines = 0, answered = 0;
    const bool timed = o.seconds > 0;
    const auto start = std::chrono::steady_clock::now();
    const auto warm_end = start + std::chrono::milliseconds(timed ? 1000 : 0);
    const auto end = warm_end + std::chrono::duration<double>(o.seconds);
    auto progress = start;  // when the window last moved
    uint64_t progress_rx = 0;
    auto flying = [&] { return sent > rx.frames + lost ? sent - rx.frames - lost : 0; };
    bool warm = timed;
    if (!timed) {
        std::printf("ready\n");
        std::fflush(stdout);
    }
    for (auto now = start; timed ? now < end : read_stdin(lines);
         now = std::chrono::steady_clock::now()) {
        for (int inner = 0; inner < 64; ++inner) {
            const uint64_t in_flight = flying();
            const auto n = static_cast<uint16_t>(std::min<uint64_t>(
                kBurst, in_flight < tso::kWindow ? tso::kWindow - in_flight : 0));
            rte_mbuf* pkts[kBurst];
            for (uint16_t k = 0; k < n; ++k) {
                pkts[k] = frames[next];
                rte_mbuf_refcnt_update(pkts[k], 1);  // ours stays: the driver frees its own
                next = (next + 1) % tso::kTemplates;
            }
            const uint16_t ok = n ? rte_eth_tx_burst(0, 0, pkts, n) : 0;
            if (ok < n) rte_pktmbuf_free_bulk(pkts + ok, static_cast<unsigned>(n - ok));
            sent += ok;
            tso::drain(1, rx);
            for (uint16_t p = 2; p < o.ports; ++p) drain(p);
            drain(0);
        }
        if (rx.frames != progress_rx || flying() < tso::kWindow) {
            progress = now;
            progress_rx = rx.frames;
        } else if (now - progress > std::chrono::milliseconds(100)) {
            lost += flying();  // a written-off frame that arrives late only widens the window
            progress = now;
        }
        for (; answered < lines; ++answered) print_tso("{", sent, rx, lost, "}");
        if (warm && now >= warm_end) {
            warm = false;
            base_sent = sent;
            base = rx;
            std::printf("measuring\n");
            std::fflush(stdout);
        }
    }
    if (timed) {
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - warm_end).count();
        const tso::Received r{rx.frames - base.frames, rx.bytes - base.bytes, rx.lro - base.lro};
        const double payload = double(r.bytes) - double(r.frames) * tso::kHeaders;
        char head[256], tail[160];
        std::snprintf(head, sizeof head,
                      "{\"mode\": \"tso\", \"ports\": %u, \"size\": %u, \"mss\": %u, \"pps\": "
                      "%.0f, \"gbps\": %.3f, ",
                      o.ports, tso::kFrame + 4, tso::kMss, double(r.frames) / secs,
                      payload * 8 / secs / 1e9);
        std::snprintf(tail, sizeof tail, ", \"rx_frame_bytes\": %.0f}",
                      r.frames ? double(r.bytes) / double(r.frames) + 4 : 0.0);
        print_tso(head, sent - base_sent, r, lost, tail);
    }
    for (int k = 0; k < 200; ++k) {  // the caller reads the switch's counters
        for (uint16_t p = 0; p < o.ports; ++p) drain(p);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    rte_pktmbuf_free_bulk(frames, tso::kTemplates);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    static option longopts[] = {{"socket-dir", required_argument, nullptr, 'd'},
                                {"macs", required_argument, nullptr, 'm'},
                                {"ports", required_argument, nullptr, 'p'},
                                {"seconds", required_argument, nullptr, 't'},
                                {"size", required_argument, nullptr, 's'},
                                {"file-prefix", required_argument, nullptr, 'f'},
                                {"flows", required_argument, nullptr, 'F'},
                                {"tso", no_argument, nullptr, 'T'},
                                {nullptr, 0, nullptr, 0}};
    for (int c; (c = getopt_long(argc, argv, "", longopts, nullptr)) != -1;) {
        switch (c) {
            case 'd': o.socket_dir = optarg; break;
            case 'm': o.macs = static_cast<unsigned>(std::strtoul(optarg, nullptr, 10)); break;
            case 'p': o.ports = static_cast<unsigned>(std::strtoul(optarg, nullptr, 10)); break;
            case 't': o.seconds = std::strtod(optarg, nullptr); break;
            case 's': o.size = static_cast<unsigned>(std::strtoul(optarg, nullptr, 10)); break;
            case 'f': o.prefix = optarg; break;
            case 'F': o.flows = static_cast<unsigned>(std::strtoul(optarg, nullptr, 10)); break;
            case 'T': o.tso = true; break;
            default:
                std::fprintf(stderr,
                             "usage: vsw-macgen --socket-dir D [--macs N] [--ports P] [--seconds "
                             "T] [--size B] [--flows N | --tso]\n");
                return 2;
        }
    }
    if (o.socket_dir.empty() || o.macs < 1 || o.ports < 2 || o.size < 64 ||
        (o.tso && (o.flows || o.macs > 1))) {
        std::fprintf(stderr,
                     "vsw-macgen: need --socket-dir, --macs >= 1, --ports >= 2, --size >= 64; "
                     "--tso with one MAC and no --flows\n");
        return 2;
    }
    std::vector<std::string> eal = {"vsw-macgen",
                                    "--lcores=0@0",
                                    "--no-pci",
                                    "--in-memory",
                                    "-m",
                                    "512",
                                    "--single-file-segments",
                                    "--file-prefix=" + o.prefix,
                                    "--log-level=*:warning"};
    for (uint16_t i = 0; i < o.ports; ++i)
        eal.push_back("--vdev=net_virtio_user" + std::to_string(i) + ",path=" + o.socket_dir +
                      "/gen" + std::to_string(i) +
                      ".sock,server=1,queue_size=" + std::to_string(ring_size(i, o.tso)));
    std::vector<char*> eal_argv;
    for (auto& s : eal) eal_argv.push_back(s.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) return 1;
    rte_mempool* pool = rte_pktmbuf_pool_create("macgen", 16384 + 2048 + o.ports * 256, 256, 0,
                                                RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (!pool) return 1;
    for (uint16_t p = 0; p < o.ports; ++p)
        if (!setup_port(p, pool, o.tso)) {
            std::fprintf(stderr, "vsw-macgen: cannot start port %u\n", p);
            return 1;
        }
    const unsigned frame_len = o.size - 4;

    // Learning: port 1 announces every destination MAC once (broadcast frames, paced).
    uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, mac[6];
    for (unsigned i = 0; i < o.macs;) {
        rte_mbuf* pkts[kBurst];
        uint16_t n = 0;
        for (; n < kBurst && i < o.macs; ++n, ++i) {
            mac_of(i, mac);
            pkts[n] = make_frame(pool, bcast, mac, frame_len);
        }
        uint16_t sent = 0;
        while (sent < n) {
            sent = static_cast<uint16_t>(
                sent + rte_eth_tx_burst(1, 0, pkts + sent, static_cast<uint16_t>(n - sent)));
            for (uint16_t p = 0; p < o.ports; ++p) drain(p);
        }
    }
    // The sender announces itself too, then everything settles.
    rte_mbuf* hello = make_frame(pool, bcast, kSender, frame_len);
    while (rte_eth_tx_burst(0, 0, &hello, 1) == 0) {
    }
    for (int k = 0; k < 200; ++k) {
        for (uint16_t p = 0; p < o.ports; ++p) drain(p);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

    if (o.tso) {
        mac_of(0, mac);
        run_tso(o, mac);
        for (uint16_t p = 0; p < o.ports; ++p) rte_eth_dev_stop(p);
        rte_eal_cleanup();
        return 0;
    }

    // Destinations in a shuffled order: consecutive frames hit unrelated FDB buckets.
    // With --flows: one destination, flows in a shuffled order instead.
    std::vector<uint32_t> order(o.flows ? o.flows : o.macs);
    for (unsigned i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(42));

    uint64_t sent = 0, received = 0, warm_received = 0;  // warm-up frames are not counted
    size_t next = 0;
    const auto start = std::chrono::steady_clock::now();
    const auto warm_end = start + std::chrono::milliseconds(1000);
    const auto end = warm_end + std::chrono::duration<double>(o.seconds);
    bool warm = true;
    for (auto now = start; now < end; now = std::chrono::steady_clock::now()) {
        for (int inner = 0; inner < 64; ++inner) {
            rte_mbuf* pkts[kBurst];
            uint16_t n = 0;
            // The sender's ring to the switch paces us: when the switch lags, tx takes fewer.
            for (; n < kBurst; ++n) {
                mac_of(o.flows ? 0 : order[next], mac);
                if (!(pkts[n] = make_frame(pool, mac, kSender, frame_len))) break;
                if (o.flows) make_udp(pkts[n], order[next]);
                if (++next == order.size()) next = 0;
            }
            uint16_t ok = rte_eth_tx_burst(0, 0, pkts, n);
            if (ok < n) rte_pktmbuf_free_bulk(pkts + ok, static_cast<unsigned>(n - ok));
            if (ok < n)
                next = (next + order.size() - (n - ok)) % order.size();  // resend those MACs next
            sent += ok;
            unsigned got = drain(1);
            (warm ? warm_received : received) += got;
            for (uint16_t p = 2; p < o.ports; ++p) drain(p);
            drain(0);
        }
        if (warm && now >= warm_end) {
            warm = false;
            sent = received = 0;
            warm_received = 0;
            std::printf("measuring\n");  // the caller reads the switch's counters now
            std::fflush(stdout);
        }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - warm_end).count();
    std::printf(
        "{\"macs\": %u, \"flows\": %u, \"ports\": %u, \"size\": %u, \"pps\": %.0f, \"sent\": %llu, "
        "\"received\": %llu}\n",
        o.macs, o.flows, o.ports, o.size, static_cast<double>(received) / secs,
        static_cast<unsigned long long>(sent), static_cast<unsigned long long>(received));
    std::fflush(stdout);
    // Stay connected a moment so the caller can read the switch's counters at the window's end.
    for (int k = 0; k < 200; ++k) {
        for (uint16_t p = 0; p < o.ports; ++p) drain(p);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (uint16_t p = 0; p < o.ports; ++p) rte_eth_dev_stop(p);
    rte_eal_cleanup();
    return 0;
}
