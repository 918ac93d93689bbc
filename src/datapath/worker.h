// A PMD worker: one lcore polling its ports in rounds. Idle rounds back off with bounded,
// growing sleeps so that on a 2-core machine guests and tests get CPU; rounds that move packets
// never sleep.
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
    uint32_t idle_rounds_before_sleep = 64;  // empty rounds before the first sleep
    rte_ring* ctl_tx = nullptr;              // frames the control thread sends (worker 0 only)
    rte_ring* ctl_rx = nullptr;              // ARP replies for the control thread
};

class Worker {
  public:
    Worker(const WorkerConfig& cfg, const std::atomic<const Snapshot*>* snapshot, rte_rcu_qsbr* rcu,
           rte_mempool* pool, Fdb* fdb, uint64_t tsc_origin);

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
    rte_mempool* pool_;                             // mbufs for receiving
    uint64_t tsc_origin_;                           // switch clock origin (FDB seconds)
    std::atomic<bool> stop_{false};                 // set by stop()
    bool launched_ = false;                         // launch() succeeded
    telemetry::PmdStats stats_;                     // cycle accounting
    std::atomic<uint64_t> orphan_drops_{0};         // mirror of Datapath::orphan_drops
    std::unique_ptr<Datapath> dp_;                  // per-worker datapath state (large)
};

}  // namespace vsw
