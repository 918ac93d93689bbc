#include "src/datapath/worker.h"

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <time.h>

#include <algorithm>

#include "core/clock.h"
#include "qos/shaping.h"
#include "src/datapath/offload_stage.h"
#include "src/datapath/port_io.h"
#include "telemetry/capture/capture_tap.h"

namespace vsw {

Worker::Worker(const WorkerConfig& cfg, const std::atomic<const Snapshot*>* snapshot,
               rte_rcu_qsbr* rcu, rte_mempool* pool, Fdb* fdb, uint64_t tsc_origin)
    : cfg_(cfg),
      snapshot_(snapshot),
      rcu_(rcu),
      pool_(pool),
      tsc_origin_(tsc_origin),
      dp_(std::make_unique<Datapath>()) {
    dp_->worker = cfg.id;
    dp_->fdb = fdb;
    dp_->pool = pool;
    dp_->punt = cfg.punt;
}

bool Worker::launch() {
    launched_ = rte_eal_remote_launch(&Worker::entry, this, cfg_.lcore) == 0;
    return launched_;
}

void Worker::stop() {
    stop_.store(true, std::memory_order_release);
    if (launched_) rte_eal_wait_lcore(cfg_.lcore);
    launched_ = false;
}

int Worker::entry(void* self) {
    static_cast<Worker*>(self)->run();
    return 0;
}

void Worker::run() {
    Datapath& dp = *dp_;
    const uint64_t hz = rte_get_tsc_hz();
    rte_rcu_qsbr_thread_register(rcu_, cfg_.id);
    rte_rcu_qsbr_thread_online(rcu_, cfg_.id);
    const uint64_t linger_cycles = hz / 1000000 * cfg_.idle_linger_us;
    uint64_t last_busy = rte_rdtsc();
    uint32_t sleep_us = 0;
    rte_mbuf* pkts[kBurst];
    BurstDecisions decisions;
    OverlayDecisions remote;

    while (!stop_.load(std::memory_order_relaxed)) {
        // The snapshot and every port in it stay alive until this round's quiescent report.
        const Snapshot* snap = snapshot_->load(std::memory_order_acquire);
        const uint64_t start = rte_rdtsc();
        const uint32_t now_s = seconds_since(tsc_origin_, start, hz);
        const FlowExport* flows = snap ? snap->flows.get() : nullptr;
        const uint64_t now_ms = flows ? (start - tsc_origin_) / flows->tsc_per_ms : 0;
        uint64_t received = 0;
        bool full = false;  // a port had more frames than a burst takes
        if (snap) {
            const Snapshot::WorkerPorts& mine = snap->workers[cfg_.id];
            for (uint16_t i = 0; i < mine.n_rx; ++i) {
                Port& in = *snap->ports[mine.rx[i]];
                if (!in.admin_up.load(std::memory_order_relaxed)) continue;
                const PortQos& q = *snap->qos[in.slot];
                telemetry::PortCounters& counters = in.counters[cfg_.id];
                if (q.rx_shaped) {
                    guest_rx_drain(in.shaping, q, counters, start, hz,
                                   [&](rte_mbuf** out, uint16_t k, uint16_t first_new) {
                                       return offer(in, cfg_.id, out, k, first_new);
                                   });
                }
                if (q.tx_shaped && !guest_tx_allowed(in.shaping, q, counters, start, hz)) continue;
                uint16_t n = receive(in, pool_, pkts);
                if (n == 0) continue;
                full |= n == kBurst;
                capture_received(in.capture, cfg_.id, pkts, n, start);
                received += n;
                // A guest's large frames and partial checksums, checked against their bytes.
                const uint16_t mtu = in.mtu.load(std::memory_order_relaxed);
                if (in.is_vhost() && offloads_requested(pkts, n)) {
                    n = accept_guest_offloads(pkts, n, mtu, counters);
                    if (n == 0) continue;
                }
                n = drop_over_mtu(pkts, n, mtu, counters);
                if (n == 0) continue;
                if (q.tx_shaped) guest_tx_charge(in.shaping, pkts, n);
                decide(dp, *snap, in, pkts, n, now_s, decisions, remote);
                if (flows)
                    meter_burst(*flows->meter[cfg_.id], *flows, in.ifindex(), pkts, n, decisions,
                                now_ms);
                if (snap->features[in.slot] & port_feature::kSflow)
                    sflow_sample_burst(*snap->sflow->sampler[cfg_.id], *snap->sflow, in.slot, pkts,
                                       n, decisions);
                scatter(dp, *snap, in, pkts, n, decisions, remote);
            }
            if (cfg_.inject) inject(dp, *snap, cfg_.inject);
            // Timeouts: a slice of the cache per round, a larger one when there was nothing to do.
            if (flows) meter_expire(*flows->meter[cfg_.id], *flows, now_ms, received ? 256 : 4096);
            if (snap->mirrors) take_mirror_handoffs(dp, *snap);
            if (dp.n_pending || dp.mirrors.pending) flush_all(dp, *snap);
        }
        const uint64_t end = rte_rdtsc();
        stats_.rounds.add(1);
        if (received) {
            stats_.busy_cycles.add(end - start);
            stats_.rx_packets.add(received);
            last_busy = end;
            sleep_us = 0;
        } else {
            stats_.idle_cycles.add(end - start);
        }
        orphan_drops_.store(dp.orphan_drops, std::memory_order_relaxed);
        rte_rcu_qsbr_quiescent(rcu_, cfg_.id);

        uint32_t pause_us = 0;
        if (!received && cfg_.max_sleep_us && end - last_busy >= linger_cycles)
            pause_us = sleep_us =
                std::min<uint32_t>(cfg_.max_sleep_us, sleep_us ? sleep_us * 2 : 8);
        else if (received && !full) pause_us = cfg_.moderation_us;  // 0 unless asked for
        if (pause_us) {
            rte_rcu_qsbr_thread_offline(rcu_, cfg_.id);
            const uint64_t before = rte_rdtsc();
            timespec ts{0, static_cast<long>(pause_us) * 1000};
            nanosleep(&ts, nullptr);
            rte_rcu_qsbr_thread_online(rcu_, cfg_.id);
            stats_.idle_cycles.add(rte_rdtsc() - before);
            stats_.sleeps.add(1);
        }
    }
    rte_rcu_qsbr_thread_offline(rcu_, cfg_.id);
    rte_rcu_qsbr_thread_unregister(rcu_, cfg_.id);
}

}  // namespace vsw
