// vswctl top: per-port rates (frames and bits per second each way, drops per second) from two
// `stats` answers, refreshed like top(1).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vsw::ctl {

// One screen: a summary line (PMDs, FDB, mbufs) and one row per port, busiest first, with the
// rates between `before` and `after` (two stats answers `seconds` apart). Pure.
std::string render_top(const nlohmann::json& before, const nlohmann::json& after, double seconds);

// 1234567 -> "1.23M"; below 1000 as an integer.
std::string si_rate(double per_second);

// Polls vswd every `interval` seconds; `iterations` screens (0: until interrupted). On a
// terminal each screen replaces the last; otherwise screens follow each other (top -b).
// Returns an exit status; throws std::runtime_error when vswd cannot be reached.
int run_top(const std::string& ctl_path, double interval, unsigned iterations);

}  // namespace vsw::ctl
