// A PMD worker: one lcore polling its ports in rounds. When no packet has come for a while
// (idle_linger_us) it backs off with bounded, growing sleeps so that on a 2-core machine guests
// and tests get CPU; it never sleeps within idle_linger_us of a round that moved packets.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "src/datapath/pipeline.h"
#include "telemetry/pmd_stats.h"

struct rte_rcu_qsbr;
struct rte_mempool;
struct rte_ring;

namespace vsw {

struct WorkerConfig {
    unsigned id = 0;              // worker index (RCU thread id, counter block, TX queue)
    unsigned lcore = 0;           // EAL lcore it runs on
    uint32_t max_sleep_us = 500;  // longest idle back-off sleep (0: never sleep)
    // Busy-polls this long after the last packet before the first sleep. 0 (sleep after the
    // first empty round) is what guests get most from on these 2-vCPU machines: in the guest
    // TCP benchmark, lingering 2 ms cost them 15% and never sleeping 40% (likely: frames taken
    // one by one, an interrupt each, where a sleeping PMD batches them); where latency matters
    // more than a TCG guest's CPU, lingering saves it.
    uint32_t idle_linger_us = 0;
    // After a round that moved frames but filled no burst, sleeps this long so that the next
    // round finds several (a NIC's interrupt moderation): fewer, larger batches, fewer guest
    // interrupts. A round with a full burst never sleeps, so a loaded PMD loses nothing.
    uint32_t moderation_us = 0;
    rte_ring* inject = nullptr;  // the slow path: frames the control thread sends (worker 0 only)
    rte_ring* punt = nullptr;    // the slow path: punts up to the control thread (slow_path.h)
};

class Worker {
  public:
    Worker(const WorkerConfig& cfg, const std::atomic<const Snapshot*>* snapshot, rte_rcu_qsbr* rcu,
           rte_mempool* pool, rte_mempool* attach_pool, Fdb* fdb, uint64_t tsc_origin);

    // Launches the loop on cfg.lcore; returns false if EAL refused.
    bool launch();
    // Asks the loop to stop and waits for it.
    void stop();

    const telemetry::PmdStats& stats() const { return stats_; }
    const WorkerConfig& config() const { return cfg_; }
    uint64_t orphan_drops() const { return orphan_drops_.load(std::memory_order_relaxed); }
    uint64_t flood_skipped_down() const { return dp_->flood_skipped_down.get(); }
    // Frames this worker flooded in `vlan`.
    uint64_t vlan_floods(uint16_t vlan) const { return dp_->vlan_floods[vlan].get(); }

  private:
    static int entry(void* self);
    void run();

    WorkerConfig cfg_;                              // settings
    const std::atomic<const Snapshot*>* snapshot_;  // the published configuration
    rte_rcu_qsbr* rcu_;                             // quiescent-state reporting
    uint64_t tsc_origin_;                           // switch clock origin (FDB seconds)
    std::atomic<bool> stop_{false};                 // set by stop()
    bool launched_ = false;                         // launch() succeeded
    telemetry::PmdStats stats_;                     // cycle accounting
    std::atomic<uint64_t> orphan_drops_{0};         // mirror of Datapath::orphan_drops
    std::unique_ptr<Datapath> dp_;                  // per-worker datapath state (large)
};

}  // namespace vsw
