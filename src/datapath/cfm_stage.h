// The CFM stage: on a port with a MEP (port_feature::kCfm), the CFM frames of its level and
// below are the MEP's: they go up to the control thread (the CFM controller reads them) and
// never on. CFM of a higher level passes as ordinary traffic (802.1ag: a MEP is transparent to
// the maintenance domains above it). Runs on the port that received the frame, before anything
// else: a bond member's MEP sees its own link's CCMs, not the bond's.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "cfm/cfm_frame.h"
#include "src/datapath/port.h"
#include "src/datapath/slow_path.h"

namespace vsw {

// Takes the MEP's frames out of the burst (compacted); returns how many remain. A frame the punt
// ring cannot take is dropped and counted as reserved_multicast.
inline uint16_t cfm_stage(Port& port, unsigned worker, uint8_t mep_level, rte_ring* punt,
                          rte_mbuf** pkts, uint16_t n) {
    telemetry::PortCounters& c = port.counters[worker];
    uint16_t kept = 0;
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        if (cfm::cfm_frame_fate(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, mep_level) !=
            cfm::CfmFate::kStop) {
            pkts[kept++] = m;
            continue;
        }
        if (punt_frame(punt, PuntReason::kCfm, port.slot, m)) c.to_control.add(1);
        else c.drop(DropReason::kReservedMulticast);
        rte_pktmbuf_free(m);  // the punt holds its own reference
    }
    return kept;
}

}  // namespace vsw
