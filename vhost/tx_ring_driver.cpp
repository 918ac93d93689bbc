#include "vhost/tx_ring_driver.h"

#include <rte_arp.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_vhost.h>

#include <cstdlib>
#include <cstring>
#include <span>
#include <utility>

#include "virtio/virtio_net.h"

namespace vsw::vhost {
namespace {

constexpr uint16_t tx_vring(uint16_t qp) {
    return static_cast<uint16_t>(2 * qp + 1);
}

// The guest's memory as rte_vhost mapped it; false if a region could not be taken.
bool read_memory(int vid, virtio::GuestMemory& out) {
    rte_vhost_memory* mem = nullptr;
    if (rte_vhost_get_mem_table(vid, &mem) != 0 || mem == nullptr) return false;
    out = virtio::GuestMemory{};
    bool ok = mem->nregions > 0;
    for (uint32_t i = 0; i < mem->nregions && ok; ++i) {
        const rte_vhost_mem_region& r = mem->regions[i];
        ok = out.add({.guest_phys = r.guest_phys_addr,
                      .size = r.size,
                      .host_addr = reinterpret_cast<uint8_t*>(r.host_user_addr)});
    }
    std::free(mem);  // rte_vhost_get_mem_table hands over a malloc()ed copy
    return ok;
}

// Queue pair qp's guest TX ring as rte_vhost translated it, with its indices; false when it is
// not (yet) mapped.
bool read_ring(int vid, uint16_t qp, virtio::SplitRing& out) {
    rte_vhost_vring vr{};
    if (rte_vhost_get_vhost_vring(vid, tx_vring(qp), &vr) != 0) return false;
    uint16_t last_avail = 0, last_used = 0;
    if (rte_vhost_get_vring_base(vid, tx_vring(qp), &last_avail, &last_used) != 0) return false;
    out = virtio::SplitRing{.desc = reinterpret_cast<const virtio::Desc*>(vr.desc),
                            .avail = reinterpret_cast<const virtio::AvailHeader*>(vr.avail),
                            .used = reinterpret_cast<virtio::UsedHeader*>(vr.used),
                            .size = vr.size,
                            .last_avail = last_avail,
                            .last_used = last_used};
    return vr.desc && vr.avail && vr.used && virtio::ring_layout_ok(out);
}

// One frame of the burst from its chain, in mbufs.spare (a fresh mbuf) as its first segment if
// it can, else in mbufs of its own (the spare then stays); nullptr when it is dropped (counted).
rte_mbuf* frame_of(TxRingDriver& d, uint16_t slot, const virtio::SplitRing& ring, uint16_t room,
                   WalkScratch& s, FrameMbufs& mbufs) {
    const virtio::ChainError e =
        virtio::walk_chain(ring, d.memory, d.taken.heads[slot], s.indirect, s.chain);
    virtio::NetHeader hdr;
    if (e != virtio::ChainError::kNone || !virtio::read_net_header(s.chain, hdr)) {
        d.counters.refused.fetch_add(1, std::memory_order_relaxed);
        d.counters.chain_errors[static_cast<size_t>(e)].fetch_add(1, std::memory_order_relaxed);
        return nullptr;
    }
    FrameError why = FrameError::kNone;
    rte_mbuf* m = nullptr;
    if (mbufs.spare && fits_small_frame(s.chain, d.build, room)) {
        m = build_small_frame(std::exchange(mbufs.spare, nullptr), s.chain, hdr, d.build, why);
    } else {
        m = build_guest_frame(d.frames, slot, s.chain, hdr, d.build, mbufs, why);
        if (m && references_guest(m)) ++d.burst_referenced;
    }
    if (!m) {
        if (why == FrameError::kNoMbufs)
            d.counters.no_mbufs.fetch_add(1, std::memory_order_relaxed);
        else d.counters.refused.fetch_add(1, std::memory_order_relaxed);
    }
    return m;
}

}  // namespace

uint16_t take(TxRingDriver& d, uint64_t enabled, rte_mempool* pool, WalkScratch& scratch,
              rte_mbuf** pkts, uint16_t n) {
    d.taken.count = 0;
    uint16_t announced = 0;
    if (d.rarp_pending.load(std::memory_order_acquire)) [[unlikely]] {
        rte_ether_addr mac;
        std::memcpy(mac.addr_bytes, d.rarp_mac, sizeof d.rarp_mac);
        if (rte_mbuf* rarp = rte_net_make_rarp_packet(pool, &mac)) {
            pkts[announced++] = rarp;
            --n;
        }
        d.rarp_pending.store(false, std::memory_order_relaxed);
    }
    pkts += announced;
    const uint16_t qps = d.queue_pairs;
    for (uint16_t tries = 0; tries < qps; ++tries) {  // the next queue pair with frames
        const uint16_t qp = d.next_qp;
        d.next_qp = static_cast<uint16_t>(qp + 1 < qps ? qp + 1 : 0);
        if (!d.ring_ok[qp] || !(enabled >> tx_vring(qp) & 1)) continue;
        virtio::SplitRing& ring = d.ring[qp];
        const virtio::Taken t = virtio::take_avail(ring, std::span<uint16_t>(d.taken.heads, n));
        if (virtio::chain_error_breaks_ring(t.error)) {
            // The guest's own queue stops until it resets it; what it posted before is given back.
            d.ring_ok[qp] = false;
            d.counters.broken.fetch_add(1, std::memory_order_relaxed);
            d.counters.chain_errors[static_cast<size_t>(t.error)].fetch_add(
                1, std::memory_order_relaxed);
        }
        if (t.count == 0) continue;
        d.taken.count = static_cast<uint16_t>(t.count);
        d.taken.qp = qp;
        break;
    }
    const uint16_t count = d.taken.count;
    if (count == 0) return announced;
    // The guest wrote these frames on another CPU: start every load before the first copy.
    for (uint16_t i = 0; i < count; ++i)
        virtio::prefetch_chain(d.ring[d.taken.qp], d.memory, d.taken.heads[i]);
    // One bulk allocation for the burst's small frames (most are); a frame that needs more takes
    // its own, and what is left goes back at the end.
    rte_mbuf* spare[kBurst];
    const bool have_spares = rte_pktmbuf_alloc_bulk(pool, spare, count) == 0;
    const uint16_t room =
        static_cast<uint16_t>(rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM);
    d.burst_referenced = 0;
    uint16_t got = 0;
    uint16_t unused = 0;  // spares no frame took, moved to the front of spare[]
    for (uint16_t i = 0; i < count; ++i) {
        FrameMbufs mbufs{
            .pool = pool, .attach = scratch.attach_pool, .spare = have_spares ? spare[i] : nullptr};
        if (rte_mbuf* m = frame_of(d, i, d.ring[d.taken.qp], room, scratch, mbufs)) pkts[got++] = m;
        if (mbufs.spare) spare[unused++] = mbufs.spare;
    }
    if (unused) rte_pktmbuf_free_bulk(spare, unused);
    // Single writer: plain load and store, no locked instruction per burst.
    auto add = [](std::atomic<uint64_t>& c, uint64_t v) {
        c.store(c.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
    };
    add(d.counters.frames, got);
    if (d.burst_referenced) add(d.counters.referenced, d.burst_referenced);
    return static_cast<uint16_t>(got + announced);
}

namespace {

// Interrupts queue pair qp's guest. Non-blocking: the vhost-user thread may hold the vring's lock
// while it handles a message (and waits for nobody); then the call stays pending and is retried
// at the next give_back(), with frames or without.
void call_guest(TxRingDriver& d, uint16_t qp) {
    const uint16_t vring = tx_vring(qp);
    // rte_vhost decides on EVENT_IDX from its own copy of the indices: bring it up to date.
    rte_vhost_set_vring_base(d.vid, vring, d.ring[qp].last_avail, d.ring[qp].last_used);
    d.call_pending[qp] = rte_vhost_vring_call_nonblock(d.vid, vring) == -EAGAIN;
    if (d.call_pending[qp]) {
        d.any_call_pending = true;
        d.counters.calls_deferred.fetch_add(1, std::memory_order_relaxed);
    }
}

// The interrupts a busy lock deferred.
void call_deferred(TxRingDriver& d) {
    d.any_call_pending = false;
    for (uint16_t qp = 0; qp < d.queue_pairs; ++qp)
        if (d.call_pending[qp] && d.ring_ok[qp]) call_guest(d, qp);
}

}  // namespace

void give_back(TxRingDriver& d) {
    if (d.taken.count == 0) {  // nothing taken: only what an idle ring may still be owed
        if (d.any_call_pending) [[unlikely]]
            call_deferred(d);
        return;
    }
    if (!all_released(d.frames))  // a bug: some stage kept a frame without copying it out
        d.counters.held_at_give_back.fetch_add(1, std::memory_order_relaxed);
    const uint16_t qp = d.taken.qp;
    virtio::SplitRing& ring = d.ring[qp];
    const uint16_t old_used = ring.last_used;
    const virtio::UsedWrites w =
        virtio::complete(ring, std::span<const uint16_t>(d.taken.heads, d.taken.count));
    d.taken.count = 0;
    if (d.log_all)  // live migration: the used ring's pages are dirty
        for (uint32_t i = 0; i < w.count; ++i)
            rte_vhost_log_used_vring(d.vid, tx_vring(qp), w.ranges[i].offset, w.ranges[i].len);
    if (d.call_pending[qp] || virtio::should_notify(ring, d.event_idx, old_used)) call_guest(d, qp);
    if (d.any_call_pending) [[unlikely]]
        call_deferred(d);  // another queue pair's
}

void announce(TxRingDriver& d, const uint8_t mac[6]) {
    std::memcpy(d.rarp_mac, mac, sizeof d.rarp_mac);
    d.rarp_pending.store(true, std::memory_order_release);
}

const char* refusal(uint64_t features) {
    using virtio::bit;
    if (features & bit(virtio::kRingPacked)) return "packed ring negotiated";
    if (features & bit(virtio::kAccessPlatform)) return "IOMMU platform negotiated";
    if (!(features & bit(virtio::kVersion1))) return "legacy virtio (no VERSION_1)";
    return nullptr;
}

void pause(TxRingDriver& d) {
    // seq_cst on both sides (Dekker): either the worker sees the request, or this thread sees
    // the worker inside its section and waits for it to leave.
    d.pause_requested.store(true, std::memory_order_seq_cst);
    while (d.in_section.load(std::memory_order_seq_cst)) rte_pause();
    d.counters.pauses.fetch_add(1, std::memory_order_relaxed);
    if (!d.active.load(std::memory_order_relaxed)) return;
    for (uint16_t qp = 0; qp < d.queue_pairs; ++qp)  // rte_vhost answers GET_VRING_BASE with them
        if (d.ring[qp].size)
            rte_vhost_set_vring_base(d.vid, tx_vring(qp), d.ring[qp].last_avail,
                                     d.ring[qp].last_used);
}

void resume(TxRingDriver& d, int vid) {
    d.active.store(false, std::memory_order_relaxed);
    d.vid = vid;
    uint64_t features = 0;
    const char* why = nullptr;
    if (!d.wanted.load(std::memory_order_relaxed)) why = "one-copy=off";
    else if (rte_vhost_get_negotiated_features(vid, &features) != 0) why = "no device";
    else why = refusal(features);
    if (!why && (!d.memory_mapped || !read_memory(vid, d.memory))) why = "guest memory not mapped";
    if (!why) {
        const uint16_t vrings = rte_vhost_get_vring_num(vid);
        d.queue_pairs = static_cast<uint16_t>(std::min<unsigned>(vrings / 2, kMaxDrivenQueuePairs));
        d.event_idx = features & virtio::bit(virtio::kRingEventIdx);
        d.log_all = features & virtio::bit(virtio::kLogAll);
        d.build.host_offloads =
            features & (virtio::bit(virtio::kCsum) | virtio::bit(virtio::kHostTso4) |
                        virtio::bit(virtio::kHostTso6));
        bool any = false;
        d.any_call_pending = false;
        for (uint16_t qp = 0; qp < kMaxDrivenQueuePairs; ++qp) {
            d.ring_ok[qp] = qp < d.queue_pairs && read_ring(vid, qp, d.ring[qp]);
            if (!d.ring_ok[qp]) d.ring[qp] = virtio::SplitRing{};
            // An interrupt deferred before the message is still owed (one too many is harmless).
            d.call_pending[qp] = d.call_pending[qp] && d.ring_ok[qp];
            d.any_call_pending |= d.call_pending[qp];
            any |= d.ring_ok[qp];
        }
        if (!any) why = "rings not mapped yet";
    }
    d.why_not.store(why ? why : "", std::memory_order_relaxed);
    d.active.store(why == nullptr, std::memory_order_relaxed);
    d.pause_requested.store(false, std::memory_order_release);  // publishes the state above
}

void stop(TxRingDriver& d) {
    d.active.store(false, std::memory_order_relaxed);
    d.why_not.store(d.wanted.load(std::memory_order_relaxed) ? "no device" : "one-copy=off",
                    std::memory_order_relaxed);
}

}  // namespace vsw::vhost
