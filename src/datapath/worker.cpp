#include "src/datapath/worker.h"

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <time.h>

#include <algorithm>

#include "core/clock.h"

namespace vsw {

namespace {

// While a guest backlog waits, the idle back-off sleeps at most this long: the guest frees its
// ring's slots while vsw sleeps, and both the backlog and its held senders wait for vsw to wake.
// (A guess, to be measured: long enough that a PMD with nothing to do leaves a 2-core host's
// CPU to the guest that has to drain its ring.)
constexpr uint32_t kBacklogMaxSleepUs = 64;

}  // namespace

Worker::Worker(const WorkerConfig& cfg, const std::atomic<const Snapshot*>* snapshot,
               rte_rcu_qsbr* rcu, rte_mempool* pool, rte_mempool* attach_pool, Fdb* fdb,
               uint64_t tsc_origin)
    : cfg_(cfg),
      snapshot_(snapshot),
      rcu_(rcu),
      tsc_origin_(tsc_origin),
      dp_(std::make_unique<Datapath>()) {
    dp_->worker = cfg.id;
    dp_->fdb = fdb;
    dp_->pool = pool;
    dp_->walk.attach_pool = attach_pool;
    dp_->punt = cfg.punt;
    dp_->inject = cfg.inject;
    dp_->backlog_stall = rte_get_tsc_hz() / 1000 * kBacklogStallMs;
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
    Burst burst;

    while (!stop_.load(std::memory_order_relaxed)) {
        // The snapshot and every port in it stay alive until this round's quiescent report.
        const Snapshot* snap = snapshot_->load(std::memory_order_acquire);
        RoundTime t;
        t.tsc = rte_rdtsc();
        t.hz = hz;
        t.now_s = seconds_since(tsc_origin_, t.tsc, hz);
        if (snap && snap->flows) t.now_ms = (t.tsc - tsc_origin_) / snap->flows->tsc_per_ms;
        else if (snap && snap->acl) t.now_ms = (t.tsc - tsc_origin_) / snap->acl->tsc_per_ms;
        dp.now_ms = t.now_ms;
        dp.tsc = t.tsc;
        const uint64_t start = t.tsc;
        uint64_t received = 0;
        uint32_t delivered = 0;  // frames that had waited for a guest and went to it
        bool full = false;       // a port had more frames than a burst takes
        if (snap) {
            delivered = round_start_list(dp, *snap);
            const Snapshot::WorkerPorts& mine = snap->workers[cfg_.id];
            for (uint16_t i = 0; i < mine.n_rx; ++i) {
                const uint16_t n = ingress_list(dp, *snap, *snap->ports[mine.rx[i]], t, burst);
                full |= n == kBurst;
                received += n;
            }
            round_end_list(dp, *snap, t);
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
            if (delivered) {  // not idle: the guest is draining, its senders wait to resume
                last_busy = end;
                sleep_us = 0;
            }
        }
        orphan_drops_.store(dp.orphan_drops, std::memory_order_relaxed);
        rte_rcu_qsbr_quiescent(rcu_, cfg_.id);

        uint32_t pause_us = 0;
        if (!received && cfg_.max_sleep_us && end - last_busy >= linger_cycles) {
            const uint32_t longest = dp.n_backlogged
                                         ? std::min(cfg_.max_sleep_us, kBacklogMaxSleepUs)
                                         : cfg_.max_sleep_us;
            pause_us = sleep_us = std::min<uint32_t>(longest, sleep_us ? sleep_us * 2 : 8);
        } else if (received && !full) pause_us = cfg_.moderation_us;  // 0 unless asked for
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
