// vsw's commands for DPDK telemetry (dpdk-telemetry.py, the telemetry socket of vswd's EAL file
// prefix), answered from the latest MetricsSnapshot on telemetry's own thread:
//   /vsw/ports               port names
//   /vsw/port/info,NAME      what vswctl show says of the port
//   /vsw/port/stats,NAME     its counters, drops by reason, shaping (nested keys joined by '/')
//   /vsw/pmd                 every PMD's counters and cycles ("0/cycles_per_packet", ...)
//   /vsw/switch              FDB, mbuf pool, settings
//   /vsw/mirrors, /vsw/mirror,NAME, /vsw/ipfix
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "telemetry/metrics/metrics_snapshot.h"

namespace vsw {

// Registers the commands (once; they read `snapshot` until the process ends). Returns "" or an
// error.
std::string register_telemetry_commands(const MetricsSnapshot* snapshot);

// A JSON value as the flat key/value list a telemetry dict can hold (its containers cannot
// nest): object keys joined by '/', array elements by their index, characters telemetry does
// not allow in a name replaced by '_'. Pure, for tests.
std::vector<std::pair<std::string, nlohmann::json>> flatten_for_telemetry(const nlohmann::json& j);

}  // namespace vsw
