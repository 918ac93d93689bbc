// IPFIX export as the operator configures it (vswctl ipfix set/del). Persisted in the state
// file as the same KEY=VALUE settings vswctl sends, so one parser reads both.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "telemetry/export/collector.h"

namespace vsw {

constexpr unsigned kMaxCollectors = 8;
// The flow cache takes about 230 bytes per flow (two 112-byte ways and their signatures, as it
// is at most half full): 4M flows are about 1 GiB.
constexpr uint32_t kMaxCacheFlows = 4u << 20;

constexpr uint16_t kIpfixPort = 4739;  // IANA's, for a collector given without a port

struct IpfixConfig {
    std::vector<Collector> collectors;  // empty: export off
    uint32_t obs_domain = 0;            // observation domain id in every message header
    uint32_t sampling = 1;              // meter 1 frame in N (1 = every frame)
    bool sampling_random = false;       // random 1-in-N instead of every N-th
    uint32_t active_timeout = 60;       // s: a longer flow is reported (and continues) this often
    uint32_t idle_timeout = 15;         // s: a flow without frames this long ends
    uint32_t cache_max = 65536;         // flows the caches hold together (split among PMDs)
    uint32_t template_interval = 60;    // s: templates (and options records) are re-sent this often
    uint32_t mtu = 1500;                // path MTU to the collectors: messages fit in one datagram

    bool enabled() const { return !collectors.empty(); }
    bool operator==(const IpfixConfig&) const = default;
};

// Applies one KEY=VALUE. Returns "" or the error.
//   collectors=H:P[,H:P]  obs-domain=N  sampling=N  sampling-mode=deterministic|random
//   active-timeout=S  idle-timeout=S  cache-max=N  template-interval=S  mtu=N
std::string apply_ipfix_setting(IpfixConfig& c, const std::string& key, const std::string& value);

// Checks the combination (idle <= active, ...). "" or the error.
std::string validate_ipfix(const IpfixConfig& c);

// Every setting of c, as apply_ipfix_setting reads them.
std::vector<std::pair<std::string, std::string>> ipfix_settings(const IpfixConfig& c);

nlohmann::json to_json(const IpfixConfig& c);
IpfixConfig ipfix_config_from_json(const nlohmann::json& j);  // throws std::invalid_argument

}  // namespace vsw
