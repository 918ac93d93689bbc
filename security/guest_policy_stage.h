// The port security stage: what a port's guest may not send (guest_policy.h) is dropped where
// it enters, counted as received with its reason, before decide() learns its source or anything
// else sees it. Runs on ports whose feature word has kPortSecurity; the burst is compacted.
#pragma once

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <algorithm>

#include "core/limits.h"
#include "security/guest_policy.h"
#include "telemetry/port_counters.h"

namespace vsw {

// Remembers a refused frame's reason, source MAC and claimed address for the operator.
inline void record_violation(telemetry::PortCounters& c, DropReason why, const uint8_t* f,
                             uint32_t len) {
    telemetry::Violation v{.reason = why, .mac = mac_from_bytes(f + 6)};
    telemetry::read_claimed_source(f, len, v);
    v.tsc = rte_rdtsc();
    c.last_violation.record(v);
}

inline uint16_t enforce_guest_policy(const GuestPolicy& p, rte_mbuf** pkts, uint16_t n,
                                     telemetry::PortCounters& c) {
    uint16_t kept = 0, n_refused = 0;
    rte_mbuf* refused[kBurst];
    uint64_t refused_bytes = 0;
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        // The headers may span segments in a guest's chained frame: read them into `copy`.
        uint8_t copy[kGuestPolicyHeader];
        const auto len = static_cast<uint16_t>(std::min<uint32_t>(m->pkt_len, kGuestPolicyHeader));
        const auto* f = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, len, copy));
        const std::optional<DropReason> why = f ? guest_frame_violation(p, f, len) : std::nullopt;
        if (!why) {
            pkts[kept++] = m;
            continue;
        }
        c.drop(*why);
        record_violation(c, *why, f, len);
        refused_bytes += m->pkt_len;
        refused[n_refused++] = m;
    }
    if (n_refused) {
        c.rx_packets.add(n_refused);
        c.rx_bytes.add(refused_bytes);
        rte_pktmbuf_free_bulk(refused, n_refused);
    }
    return kept;
}

}  // namespace vsw
