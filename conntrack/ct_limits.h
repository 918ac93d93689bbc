// The connection table's bounds as the operator sets them (`vswctl conntrack set max=N
// zone-max=M`) and the state file keeps them. Pure: no DPDK.
//
//   max        connections in all (default 262144: 45 MB of table, allocated when the first
//              port takes security groups). The table's size is fixed once it exists: a new
//              max takes effect at the next start, never by forgetting live connections.
//   zone-max   connections per port (default 65536; 0: no limit of its own), so that one
//              guest cannot take the whole table. Takes effect at once; a port above a
//              lowered limit keeps its connections and opens none until below it.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace vsw::conntrack {

constexpr uint32_t kDefaultCtMax = 262144;
constexpr uint32_t kDefaultCtZoneMax = 65536;
constexpr uint32_t kMinCtMax = 1024;
constexpr uint32_t kMaxCtMax = 16u << 20;  // 16M connections: about 2.8 GB

struct CtLimits {
    uint32_t max = kDefaultCtMax;           // connections in all
    uint32_t zone_max = kDefaultCtZoneMax;  // per port; 0: none

    bool operator==(const CtLimits&) const = default;
};

// Applies one KEY=VALUE (max, zone-max). "" or the error, `l` untouched then.
std::string apply_ct_limit(CtLimits& l, const std::string& key, const std::string& value);
// The whole: zone-max at most max. "" or the error.
std::string validate_ct_limits(const CtLimits& l);

// The state file's form: {"max": N, "zone-max": M}. The reader checks what the command checks
// and throws std::invalid_argument.
nlohmann::json to_json(const CtLimits& l);
CtLimits ct_limits_from_json(const nlohmann::json& j);

}  // namespace vsw::conntrack
