// `vswctl conntrack show` in JSON: tracked connections as `conntrack -L` lists them (the
// original direction, then the reply's), and counts by protocol and state. Pure formatting.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "conntrack/ct_entry.h"
#include "conntrack/ct_table.h"

namespace vsw {

// One connection of port `port`: protocol, state (TCP's, or "UNREPLIED"/"REPLIED"), seconds
// left, the original tuple (src, dst, sport, dport or ICMP's type and id), the reply's, the
// flags ("assured", "seen_reply") and the direction its port's rules saw it open in.
nlohmann::json connection_view(const conntrack::CtEntryView& c, const std::string& port,
                               uint64_t now_ms);

// Counts: "connections", "tcp" {STATE: n} (states with connections), "udp", "icmp", "other",
// "unreplied", "assured".
nlohmann::json counts_view(const conntrack::CtCounts& c);

}  // namespace vsw
