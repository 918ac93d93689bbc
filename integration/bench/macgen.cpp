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
//
// Prints one JSON line: {"macs": N, "ports": P, "pps": ..., "sent": ..., "received": ...}.
#include <getopt.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr uint16_t kBurst = 32;

struct Options {
    std::string socket_dir;  // sockets are DIR/gen<i>.sock
    unsigned macs = 1;       // destination MACs learned behind port 1
    unsigned ports = 2;      // virtio-user ports in all
    double seconds = 5;      // measuring time
    unsigned size = 64;      // frame size including FCS
    unsigned flows = 0;      // > 0: IPv4/UDP frames of this many flows (one destination MAC)
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

bool setup_port(uint16_t port, rte_mempool* pool) {
    rte_eth_conf conf{};
    const uint16_t ring = port < 2 ? 1024 : 256;
    if (rte_eth_dev_configure(port, 1, 1, &conf) != 0) return false;
    if (rte_eth_rx_queue_setup(port, 0, ring, 0, nullptr, pool) != 0) return false;
    if (rte_eth_tx_queue_setup(port, 0, ring, 0, nullptr) != 0) return false;
    return rte_eth_dev_start(port) == 0;
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
            default:
                std::fprintf(stderr,
                             "usage: vsw-macgen --socket-dir D [--macs N] [--ports P] [--seconds "
                             "T] [--size B]\n");
                return 2;
        }
    }
    if (o.socket_dir.empty() || o.macs < 1 || o.ports < 2 || o.size < 64) {
        std::fprintf(stderr,
                     "vsw-macgen: need --socket-dir, --macs >= 1, --ports >= 2, --size >= 64\n");
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
    for (unsigned i = 0; i < o.ports; ++i)  // idle ports get small rings: each holds mbufs
        eal.push_back("--vdev=net_virtio_user" + std::to_string(i) + ",path=" + o.socket_dir +
                      "/gen" + std::to_string(i) +
                      ".sock,server=1,queue_size=" + (i < 2 ? "1024" : "256"));
    std::vector<char*> eal_argv;
    for (auto& s : eal) eal_argv.push_back(s.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) return 1;
    rte_mempool* pool = rte_pktmbuf_pool_create("macgen", 16384 + 2048 + o.ports * 256, 256, 0,
                                                RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (!pool) return 1;
    for (uint16_t p = 0; p < o.ports; ++p)
        if (!setup_port(p, pool)) {
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
