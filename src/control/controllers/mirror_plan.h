// What the workers get of the mirror sessions, computed from the sessions and the ports: the
// compiled MirrorTable, the ports that become SPAN outputs (out of normal forwarding) and the
// ERSPAN outputs that watch ARP for their next hop. Pure: the ports, the neighbours and the
// sessions' runtimes are given as lookups, so the plan is unit-tested without a switch.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/mac.h"
#include "telemetry/mirror/mirror.h"
#include "telemetry/mirror/mirror_config.h"

namespace vsw {

// A port as a session sees it.
struct MirrorPlanPort {
    uint16_t slot = 0;
    uint16_t owner = 0;  // the worker polling it: it numbers and sends an ERSPAN output's copies
    Mac source_mac = 0;  // what ERSPAN frames leave it with (frame_source_mac)
};

struct MirrorPlanInputs {
    std::function<std::optional<MirrorPlanPort>(const std::string& name, uint32_t local_ip)> port;
    std::function<Mac(uint32_t ip)> neighbor_mac;                       // 0 = not resolved yet
    std::function<MirrorRuntime*(const std::string& session)> runtime;  // the session's counters
    uint64_t tsc_hz = 0;                                                // ERSPAN III timestamps
};

struct MirrorPlan {
    std::unique_ptr<MirrorTable> table;  // null when there is no session
    std::vector<uint16_t> span_outputs;  // role kSpanOutput
    std::vector<uint16_t> arp_watch;     // feature kArpWatch: the next hop may move
};

// Sessions are compiled in order (bit i of rx[]/tx[] is sessions[i]); a session whose output
// is missing is left out (validated on the way in: cannot happen), a missing source is skipped.
MirrorPlan plan_mirrors(const std::vector<MirrorConfig>& sessions, const MirrorPlanInputs& in);

}  // namespace vsw
