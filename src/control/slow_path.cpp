#include "src/control/slow_path.h"

#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <cstring>
#include <nlohmann/json.hpp>

namespace vsw {

namespace {

constexpr unsigned kPuntRing = 1024;   // punts waiting between two polls
constexpr unsigned kInjectRing = 256;  // frames waiting for worker 0

// The reasons' names in `show`, by PuntReason.
constexpr const char* kReasonNames[kPuntReasonCount] = {"arp", "guest_arp", "reserved_multicast",
                                                        "dhcp", "cfm"};

}  // namespace

std::string SlowPath::create(rte_mempool* pool) {
    pool_ = pool;
    punt_ = rte_ring_create_elem("vsw_punt", sizeof(Punt), kPuntRing, SOCKET_ID_ANY, RING_F_SC_DEQ);
    inject_ = rte_ring_create("vsw_inject", kInjectRing, SOCKET_ID_ANY, RING_F_SC_DEQ);
    if (!punt_ || !inject_) return "cannot create the slow path's rings";
    return "";
}

void SlowPath::destroy() {
    if (punt_) {
        Punt p;
        while (rte_ring_sc_dequeue_elem(punt_, &p, sizeof p) == 0) rte_pktmbuf_free(p.frame);
        rte_ring_free(punt_);
        punt_ = nullptr;
    }
    if (inject_) {
        rte_mbuf* m;
        while (rte_ring_sc_dequeue(inject_, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
        rte_ring_free(inject_);
        inject_ = nullptr;
    }
}

void SlowPath::claim(PuntReason reason, Handler handler) {
    handlers_[static_cast<unsigned>(reason)].push_back(std::move(handler));
}

void SlowPath::poll() {
    if (!punt_) return;
    Punt p;
    while (rte_ring_sc_dequeue_elem(punt_, &p, sizeof p) == 0) {
        const unsigned r = static_cast<unsigned>(p.reason);
        if (r >= kPuntReasonCount || handlers_[r].empty()) {
            ++unclaimed_;
        } else {
            ++taken_[r];
            for (const Handler& h : handlers_[r]) h(p);
        }
        rte_pktmbuf_free(p.frame);  // null for a sighting
    }
}

bool SlowPath::send(uint16_t slot, std::span<const uint8_t> frame) {
    rte_mbuf* m = inject_ ? rte_pktmbuf_alloc(pool_) : nullptr;
    char* data = m ? rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())) : nullptr;
    if (!data) {
        rte_pktmbuf_free(m);
        ++send_failed_;
        return false;
    }
    std::memcpy(data, frame.data(), frame.size());
    m->port = slot;  // inject() sends it there
    if (rte_ring_mp_enqueue(inject_, m) == 0) {
        ++sent_;
        return true;
    }
    rte_pktmbuf_free(m);
    ++send_failed_;
    return false;
}

nlohmann::json SlowPath::stats() const {
    nlohmann::json punted = nlohmann::json::object();
    for (unsigned r = 0; r < kPuntReasonCount; ++r) punted[kReasonNames[r]] = taken_[r];
    return {{"punted", punted},
            {"unclaimed", unclaimed_},
            {"sent", sent_},
            {"send_failed", send_failed_}};
}

}  // namespace vsw
