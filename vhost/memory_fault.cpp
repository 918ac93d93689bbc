#include "vhost/memory_fault.h"

#include <rte_vhost.h>
#include <signal.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <mutex>

#include "vhost/vhost_port.h"

namespace vsw::vhost {
namespace {

constexpr unsigned kMaxWatched = 2048;  // 256 ports of 8 regions

// One mapped guest region. The handler reads the table without a lock (it may run on any thread,
// inside rte_vhost or a PMD): `port` is set last and cleared first.
struct Watched {
    std::atomic<uintptr_t> start{0};  // the region's mapping, as rte_vhost made it
    std::atomic<uintptr_t> end{0};
    std::atomic<VhostState*> port{nullptr};  // null: a free entry
};

Watched g_watched[kMaxWatched];
std::mutex g_mutex;           // serialises the writers of g_watched
struct sigaction g_previous;  // what SIGBUS did before us

void on_sigbus(int signal, siginfo_t* info, void* context) {
    const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
    for (Watched& w : g_watched) {
        VhostState* s = w.port.load(std::memory_order_acquire);
        if (!s) continue;
        const uintptr_t start = w.start.load(std::memory_order_relaxed);
        const uintptr_t end = w.end.load(std::memory_order_relaxed);
        if (address < start || address >= end) continue;
        // The whole region: a hugetlbfs mapping can only be replaced in whole huge pages, and
        // the rest of the file is as gone as this page. The faulting access then completes.
        void* r = ::mmap(reinterpret_cast<void*>(start), end - start, PROT_READ | PROT_WRITE,
                         MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (r == MAP_FAILED) break;
        s->memory_faults.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    // Not guest memory: a real fault. Whatever SIGBUS did before happens when the access repeats.
    ::sigaction(SIGBUS, &g_previous, nullptr);
    (void)signal;
    (void)context;
}

void forget_locked(const VhostState* s) {
    for (Watched& w : g_watched) {
        if (w.port.load(std::memory_order_relaxed) != s) continue;
        w.port.store(nullptr, std::memory_order_release);
        w.start.store(0, std::memory_order_relaxed);
        w.end.store(0, std::memory_order_relaxed);
    }
}

}  // namespace

void install_memory_fault_handler() {
    struct sigaction sa = {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, &g_previous);
}

void watch_guest_memory(int vid, VhostState* s) {
    rte_vhost_memory* mem = nullptr;
    if (rte_vhost_get_mem_table(vid, &mem) != 0 || !mem) return;
    std::lock_guard lock(g_mutex);
    forget_locked(s);
    unsigned next = 0;
    for (uint32_t i = 0; i < mem->nregions; ++i) {
        const rte_vhost_mem_region& r = mem->regions[i];
        if (!r.mmap_addr || r.mmap_size == 0) continue;
        while (next < kMaxWatched && g_watched[next].port.load(std::memory_order_relaxed)) ++next;
        if (next == kMaxWatched) break;  // cannot happen with kMaxPorts ports of 8 regions
        Watched& w = g_watched[next];
        w.start.store(reinterpret_cast<uintptr_t>(r.mmap_addr), std::memory_order_relaxed);
        w.end.store(reinterpret_cast<uintptr_t>(r.mmap_addr) + r.mmap_size,
                    std::memory_order_relaxed);
        w.port.store(s, std::memory_order_release);
    }
    std::free(mem);  // rte_vhost_get_mem_table's copy
}

void forget_guest_memory(const VhostState* s) {
    std::lock_guard lock(g_mutex);
    forget_locked(s);
}

unsigned watched_regions() {
    unsigned n = 0;
    for (const Watched& w : g_watched) n += w.port.load(std::memory_order_relaxed) != nullptr;
    return n;
}

}  // namespace vsw::vhost
