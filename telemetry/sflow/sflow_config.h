// sFlow as the operator configures it (vswctl sflow set/del): collectors, the sampling rate, the
// counter polling interval, the header bytes a flow sample carries, the agent address and the
// ports it covers. Persisted in the state file's "sflow" section as the same KEY=VALUE settings
// vswctl sends, so one parser reads both.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "telemetry/export/collector.h"

namespace vsw {

constexpr uint16_t kSflowPort = 6343;            // IANA's, for a collector given without a port
constexpr unsigned kMaxSflowCollectors = 8;      // as many as IPFIX takes
constexpr uint32_t kMaxSflowHeaderBytes = 256;   // frame bytes a flow sample can carry
constexpr uint32_t kDefaultSflowSampling = 400;  // OVS's and hsflowd's default
constexpr uint32_t kDefaultSflowPolling = 30;    // s, OVS's default

struct SflowConfig {
    std::vector<Collector> collectors;          // empty: sFlow off
    uint32_t sampling = kDefaultSflowSampling;  // sample 1 frame in N, at random (1 = all)
    uint32_t polling = kDefaultSflowPolling;    // s between a port's counter samples; 0: none
    uint32_t header_bytes = 128;                // frame bytes a flow sample carries at most
    std::string agent;               // the agent address; "": the source address towards the
                                     // first collector, chosen when sFlow is configured
    std::vector<std::string> ports;  // the ports sampled and polled; empty: all
    uint32_t max_datagram = 1400;    // bytes a datagram takes at most (sFlow's default)

    bool enabled() const { return !collectors.empty(); }
    // Whether the port named `name` is sampled and polled.
    bool covers(const std::string& name) const;
    bool operator==(const SflowConfig&) const = default;
};

// Applies one KEY=VALUE. Returns "" or the error.
//   collectors=H:P[,H:P]  sampling=N  polling=S  header=BYTES  agent=IP|auto  ports=LIST|all
//   max-datagram=BYTES
std::string apply_sflow_setting(SflowConfig& c, const std::string& key, const std::string& value);

// Checks the whole (a collector at least). "" or the error.
std::string validate_sflow(const SflowConfig& c);

// Every setting of c, as apply_sflow_setting reads them.
std::vector<std::pair<std::string, std::string>> sflow_settings(const SflowConfig& c);

nlohmann::json to_json(const SflowConfig& c);
SflowConfig sflow_config_from_json(const nlohmann::json& j);  // throws std::invalid_argument

}  // namespace vsw
