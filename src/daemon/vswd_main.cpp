// vswd: EAL and memory set-up, then the control loop. Everything else lives in Switch.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "src/config/socket_access.h"
#include "src/config/state_file.h"
#include "src/control/control_protocol.h"
#include "src/control/control_server.h"
#include "src/control/switch.h"
#include "src/daemon/daemon_options.h"
#include "telemetry/metrics/dpdk_telemetry.h"
#include "telemetry/metrics/metrics_http.h"
#include "telemetry/metrics/metrics_snapshot.h"
#include "vhost/vhost_port.h"
#include "vsw_version.h"

namespace {

std::atomic<bool> g_stop{false};

// Mbufs of the attach pool (no data room, about 200 bytes each): a burst of 64 KB frames in
// 4 KB guest pages on each of several workers, and the per-core caches.
constexpr unsigned kAttachMbufs = 16383;

void on_signal(int) {
    g_stop.store(true);
}

int die(const std::string& msg) {
    std::fprintf(stderr, "vswd: %s\n", msg.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    auto opts = vsw::parse_daemon_options(argc, argv, exit_code);
    if (!opts) return exit_code;

    // Read the configuration before anything else: a corrupt file stops us here, untouched.
    vsw::LoadResult state = vsw::load_state(opts->state_file);
    if (!state.ok) return die(state.error);
    if (!state.existed) state.config.settings.fdb_aging_seconds = opts->fdb_aging;

    std::vector<std::string> eal_args = vsw::eal_arguments(*opts);
    std::vector<char*> eal_argv;
    for (auto& a : eal_args) eal_argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0)
        return die(std::string("EAL init failed: ") + rte_strerror(rte_errno));

    rte_mempool* pool =
        rte_pktmbuf_pool_create("vsw_mbufs", opts->mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                static_cast<int>(rte_socket_id()));
    if (!pool) return die(std::string("cannot create mbuf pool: ") + rte_strerror(rte_errno));
    // No data room: these mbufs only point into guest memory (one copy's payload segments), and
    // live no longer than a burst, so a few per frame of every worker's burst are plenty.
    rte_mempool* attach_pool = rte_pktmbuf_pool_create("vsw_attach", kAttachMbufs, 256, 0, 0,
                                                       static_cast<int>(rte_socket_id()));
    if (!attach_pool)
        return die(std::string("cannot create attach mbuf pool: ") + rte_strerror(rte_errno));
    const auto n_workers = static_cast<uint32_t>(opts->pmd_cores.size());
    auto* rcu = static_cast<rte_rcu_qsbr*>(
        rte_zmalloc("vsw_rcu", rte_rcu_qsbr_get_memsize(n_workers), RTE_CACHE_LINE_SIZE));
    if (!rcu || rte_rcu_qsbr_init(rcu, n_workers) != 0) return die("cannot set up RCU");
    vsw::vhost::init(rcu);

    vsw::SwitchOptions so;
    for (uint32_t i = 0; i < n_workers; ++i) so.pmd_lcores.push_back(i + 1);
    so.fdb_max_entries = opts->fdb_max;
    so.max_sleep_us = opts->pmd_max_sleep_us;
    so.idle_linger_us = opts->pmd_idle_linger_us;
    so.moderation_us = opts->pmd_moderation_us;
    so.state_path = opts->state_file;
    so.pool = pool;
    so.attach_pool = attach_pool;
    so.rcu = rcu;
    so.sockets = opts->sockets;
    if (auto e = vsw::prepare_socket_dir(opts->sockets); !e.empty()) return die(e);
    int rc = 0;
    {
        vsw::Switch sw(so, state.config.settings);
        if (auto e = sw.start(); !e.empty()) return die(e);
        sw.restore(state.config);
        if (!state.existed)
            if (auto e = vsw::save_state(opts->state_file, sw.config()); !e.empty()) return die(e);

        vsw::ControlServer server;
        if (auto e = server.open(opts->ctl); !e.empty()) {
            sw.shutdown();
            return die(e);
        }
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
        signal(SIGPIPE, SIG_IGN);
        std::fprintf(stderr, "vswd %s: ready, %u PMD(s), control socket %s, state %s\n",
                     VSW_VERSION, n_workers, opts->ctl.path.c_str(), opts->state_file.c_str());

        vsw::CommandTable commands;
        sw.register_commands(commands);
        auto handler = [&](const std::string& req, int client_fd) {
            return vsw::handle_request(commands, req, client_fd);
        };
        // Telemetry and the Prometheus endpoint read a copy of the switch's views, taken here
        // once a second, never the switch itself.
        vsw::MetricsSnapshot metrics;
        auto refresh_metrics = [&] {
            const auto now = std::chrono::system_clock::now().time_since_epoch();
            metrics.refresh(
                commands.views(),
                static_cast<uint64_t>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(now).count()));
        };
        refresh_metrics();
        if (auto e = vsw::register_telemetry_commands(&metrics); !e.empty())
            std::fprintf(stderr, "vswd: warning: DPDK telemetry: %s\n", e.c_str());
        vsw::MetricsHttpServer metrics_http;
        if (!opts->metrics_listen.empty()) {
            if (auto e = metrics_http.start(opts->metrics_listen, &metrics); !e.empty()) {
                sw.shutdown();
                return die(e);
            }
            std::fprintf(stderr, "vswd: Prometheus metrics on http://%s/metrics\n",
                         opts->metrics_listen.c_str());
        }
        auto last_tick = std::chrono::steady_clock::now();
        while (!g_stop.load()) {
            if (!server.serve_once(sw.poll_interval_ms(), handler)) {
                rc = die("control socket failed");
                break;
            }
            // Frames punted up first (LACPDUs, CCMs that arrived in time), then the timers.
            sw.poll_links();
            sw.service_controllers();
            auto now = std::chrono::steady_clock::now();
            if (now - last_tick >= std::chrono::seconds(1)) {
                sw.tick();
                refresh_metrics();
                last_tick = now;
            }
        }
        std::fprintf(stderr, "vswd: shutting down\n");
        metrics_http.stop();
        server.close();
        sw.shutdown();
    }
    rte_eal_cleanup();
    return rc;
}
