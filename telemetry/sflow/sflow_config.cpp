#include "telemetry/sflow/sflow_config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/parse.h"
#include "core/settings_json.h"

namespace vsw {

using nlohmann::json;

namespace {

// The number settings: each one's key, field and range.
struct NumberSetting {
    const char* key;
    uint32_t SflowConfig::*field;
    uint32_t lo, hi;
    const char* unit;  // after the range in the error
};
constexpr NumberSetting kNumbers[] = {
    {"sampling", &SflowConfig::sampling, 1, 1u << 24, "(1 in N frames; 1 = every frame)"},
    {"polling", &SflowConfig::polling, 0, 3600, "seconds (0: no counter samples)"},
    {"header", &SflowConfig::header_bytes, 14, kMaxSflowHeaderBytes, "bytes"},
    {"max-datagram", &SflowConfig::max_datagram, 576, 9000, "bytes"},
};

}  // namespace

bool SflowConfig::covers(const std::string& name) const {
    return ports.empty() || std::find(ports.begin(), ports.end(), name) != ports.end();
}

std::string apply_sflow_setting(SflowConfig& c, const std::string& key, const std::string& value) {
    if (key == "collectors" || key == "collector") {
        std::vector<Collector> list;
        if (auto e = parse_collector_list(value, kSflowPort, kMaxSflowCollectors, list); !e.empty())
            return e;
        for (const Collector& col : list)
            if (col.tcp) return "sFlow goes over UDP only (" + col.str() + ")";
        c.collectors = std::move(list);
        return "";
    }
    for (const NumberSetting& n : kNumbers)
        if (key == n.key) return set_uint_setting(c.*n.field, key, value, n.lo, n.hi, n.unit);
    if (key == "agent") {
        if (value == "auto" || value.empty()) {
            c.agent.clear();
            return "";
        }
        uint8_t buf[16];
        if (inet_pton(AF_INET, value.c_str(), buf) != 1 &&
            inet_pton(AF_INET6, value.c_str(), buf) != 1)
            return "agent must be an IPv4 or IPv6 address, or auto (got '" + value + "')";
        c.agent = value;
        return "";
    }
    if (key == "ports") {
        std::vector<std::string> list;
        if (value != "all")
            for (const std::string& name : split_list(value)) {
                if (auto e = validate_port_name(name); !e.empty()) return e;
                if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
            }
        c.ports = std::move(list);
        return "";
    }
    return "unknown sflow setting '" + key +
           "' (collectors, sampling, polling, header, agent, ports, max-datagram)";
}

std::vector<std::pair<std::string, std::string>> sflow_settings(const SflowConfig& c) {
    std::vector<std::pair<std::string, std::string>> out = {
        {"collectors", collector_list_str(c.collectors)},
        {"agent", c.agent.empty() ? "auto" : c.agent},
        {"ports", c.ports.empty() ? "all" : join_list(c.ports)}};
    for (const NumberSetting& n : kNumbers) out.emplace_back(n.key, std::to_string(c.*n.field));
    return out;
}

json to_json(const SflowConfig& c) {
    return settings_object(sflow_settings(c));
}

std::string validate_sflow(const SflowConfig& c) {
    if (c.collectors.empty()) return "give at least one collector (HOST:PORT)";
    return "";
}

SflowConfig sflow_config_from_json(const json& j) {
    return config_from_settings_object<SflowConfig>(j, "sflow", apply_sflow_setting,
                                                    validate_sflow);
}

}  // namespace vsw
