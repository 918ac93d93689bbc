// The switch's metrics in Prometheus' text exposition format (version 0.0.4): per-port
// counters and drops by reason, vhost-user sessions, shaping, PMD cycles, FDB and mbuf pool,
// mirror sessions and IPFIX export. Pure: from the views MetricsSnapshot keeps.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vsw {

std::string prometheus_text(const nlohmann::json& views);

// A label value with \, " and newline escaped as the format requires.
std::string prometheus_escape(const std::string& value);

}  // namespace vsw
