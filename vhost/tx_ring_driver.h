// One copy from guest to guest: vsw drives a guest's TX split rings itself instead of
// rte_vhost_dequeue_burst, so that a large frame's payload is referenced in the sender's memory
// (guest_frame.h) and copied once, into the receiver's ring, by rte_vhost_enqueue_burst.
//
// The rule that makes it safe (ONECOPY.md §1: what made DPDK's dequeue zero-copy fail): a guest
// buffer is held for one burst, never longer. The owner worker takes a burst inside a *section*
// (enter(), take(), the switching and every flush, give_back(), leave()); give_back() writes the
// used entries only when every reference to the burst's guest memory is gone. Anything that would
// keep a frame beyond the section copies it out of the guest first (copy-on-escape, guest_frame.h).
//
// Control messages (the vhost-user thread) that may change the rings pause the driver
// (message_guard.h, MessagePause): pause() asks the owner worker not to start a section and
// waits until it is out of one, then hands the ring indices back to rte_vhost (which answers
// GET_VRING_BASE with them); resume() reads the rings, memory table and indices anew after
// rte_vhost handled the message (or, if rte_vhost failed it and kept the connection, once the
// control thread sees it is over: vhost_port.h, resume_after_failed_message). rte_vhost holds every
// access lock of the device while it handles most messages, and a worker inside a section may be
// spinning on another device's lock in rte_vhost_enqueue_burst -- never on this device's: a section
// never sends to its own port (frames are not switched back to their port, the datapath flushes
// what other ports buffered before it enters, and mirror copies whose output is the port wait,
// copied, until the section closes), so the wait ends. The pause is per device: there is no global
// barrier a worker could deadlock against.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "core/limits.h"
#include "vhost/guest_frame.h"
#include "virtio/split_ring.h"

struct rte_mbuf;
struct rte_mempool;

namespace vsw::vhost {

constexpr uint16_t kMaxDrivenQueuePairs = 32;

// What the worker needs of one burst's frames to give them back.
struct TakenBurst {
    uint16_t heads[kBurst];  // in avail order (each given back once, whatever its frame became)
    uint16_t count = 0;      // heads taken
    uint16_t qp = 0;         // the queue pair they came from
};

// Per-worker scratch for walking chains (the worker's, not the port's: 17 KiB).
struct WalkScratch {
    virtio::IndirectScratch indirect;
    virtio::TxChain chain;
    rte_mempool* attach_pool = nullptr;  // FrameMbufs::attach of the frames built here
};

// Counters of the driven path (the owner worker writes, the control thread reads).
struct TxRingCounters {
    std::atomic<uint64_t> frames{0};             // frames taken from the guest
    std::atomic<uint64_t> referenced{0};         // of those, with payload left in guest memory
    std::atomic<uint64_t> refused{0};            // chains refused (given back, frame dropped)
    std::atomic<uint64_t> broken{0};             // rings found broken (stopped until reset)
    std::atomic<uint64_t> no_mbufs{0};           // frames dropped: no mbufs to build them
    std::atomic<uint64_t> held_at_give_back{0};  // bursts whose references outlived the section
    std::atomic<uint64_t> calls_deferred{0};     // interrupts retried (the vring's lock was busy)
    std::atomic<uint64_t> pauses{0};             // control messages that paused the driver
    // Resumes the control thread made after a message rte_vhost failed without closing the
    // connection (NEED_REPLY: no post_msg_handle; vhost_port.h, resume_after_failed_message).
    std::atomic<uint64_t> failed_message_resumes{0};
    std::atomic<uint64_t> chain_errors[virtio::kChainErrorCount] = {};  // refused, by reason
};

// The driver's state for one vhost-user port.
struct TxRingDriver {
    // Control side: one-copy=on for the port (set before the socket is registered).
    std::atomic<bool> wanted{false};
    // Set by resume(): the rings are mapped and the driver may run. Worker reads.
    std::atomic<bool> active{false};
    // Why the port's TX goes through rte_vhost (a static string; "" when driven). Control reads.
    std::atomic<const char*> why_not{"one-copy=off"};

    // The pause handshake (see the header comment).
    std::atomic<bool> pause_requested{false};
    std::atomic<bool> in_section{false};

    // The control side's pauses and resumes are made under this lock: the vhost-user thread's
    // message callbacks and device start and stop, and the control thread's resume after a
    // failed message, so that it never resumes the driver while a message is handled. Never
    // taken by the worker.
    std::mutex control;
    // Under `control`: a message that takes every vring's lock paused the driver and its
    // post_msg_handle has not resumed it yet: since when (steady clock, ns; 0: none owed), for
    // device `owed_vid`.
    int64_t resume_owed_since = 0;
    int owed_vid = -1;

    // Under `control`: rte_vhost holds a mapped memory table (set after a memory message
    // succeeded and at new_device, cleared before one is handled: rte_vhost_get_mem_table
    // crashes on a device without one).
    bool memory_mapped = false;

    // Written by resume() with the worker out (paused), read by the worker inside sections.
    int vid = -1;
    uint16_t queue_pairs = 0;
    bool event_idx = false;  // VIRTIO_RING_F_EVENT_IDX negotiated
    bool log_all = false;    // dirty logging on (live migration): log used-ring writes
    virtio::GuestMemory memory;
    virtio::SplitRing ring[kMaxDrivenQueuePairs];  // guest TX vring of each queue pair
    bool ring_ok[kMaxDrivenQueuePairs] = {};       // mapped, and not found broken since

    // After a migration, QEMU asks the backend to announce the guest (VHOST_USER_SEND_RARP, for a
    // guest without GUEST_ANNOUNCE); rte_vhost does it only inside its own dequeue, so a driven
    // port sends the RARP itself, first in its next burst. Set by the vhost-user thread.
    std::atomic<bool> rarp_pending{false};
    uint8_t rarp_mac[6] = {};

    // Owner worker only.
    uint16_t next_qp = 0;
    bool call_pending[kMaxDrivenQueuePairs] = {};  // an interrupt the guest still wants
    bool any_call_pending = false;                 // some call_pending[] is set
    TakenBurst taken;
    uint16_t burst_referenced = 0;  // frames of the burst whose payload stays in guest memory
    GuestFrames frames;
    FrameBuild build;

    TxRingCounters counters;
};

// ---- The worker's side ----

// How the owner worker may take a port's frames now.
enum class TxPath : uint8_t {
    kPaused,    // not at all: a control message is being handled
    kRteVhost,  // through rte_vhost_dequeue_burst (one-copy off or not possible)
    kDriven,    // take() and give_back()
};

// Enters a section (every poll of a vhost port's TX rings is one, whichever path it takes: the
// path cannot change under a worker inside one). Call leave() afterwards unless kPaused.
inline TxPath enter(TxRingDriver& d) {
    d.in_section.store(true, std::memory_order_seq_cst);
    if (d.pause_requested.load(std::memory_order_seq_cst)) {  // seq_cst: see pause()
        d.in_section.store(false, std::memory_order_release);
        return TxPath::kPaused;
    }
    return d.active.load(std::memory_order_relaxed) ? TxPath::kDriven : TxPath::kRteVhost;
}

inline void leave(TxRingDriver& d) {
    d.in_section.store(false, std::memory_order_release);
}

// Takes up to `n` frames from the next enabled queue pair whose vring is in `enabled` (a bit per
// vring); the heads are remembered for give_back(). Refused chains are dropped (counted) and
// given back with the rest.
uint16_t take(TxRingDriver& d, uint64_t enabled, rte_mempool* pool, WalkScratch& scratch,
              rte_mbuf** pkts, uint16_t n);

// Gives the taken heads back (used ring, dirty log, interrupt). Call when every frame of the
// burst was sent, copied or freed: at the end of the section.
void give_back(TxRingDriver& d);

// ---- The vhost-user thread's side ----

// Has the next burst start with a RARP announcing `mac` (VHOST_USER_SEND_RARP).
void announce(TxRingDriver& d, const uint8_t mac[6]);

// Why one-copy cannot drive device `vid` with `features` (a static string), or nullptr.
const char* refusal(uint64_t features);

// Asks the owner worker to stop and waits until it is out of its section; then gives the ring
// indices back to rte_vhost. Idempotent.
void pause(TxRingDriver& d);

// After pause(): reads the device's rings, memory and indices if one-copy is wanted and possible
// (else why_not says why, and the port's TX goes through rte_vhost), and lets the worker run.
void resume(TxRingDriver& d, int vid);

// The device is gone (destroy_device): nothing is driven until resume().
void stop(TxRingDriver& d);

}  // namespace vsw::vhost
