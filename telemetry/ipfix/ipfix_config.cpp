#include "telemetry/ipfix/ipfix_config.h"

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "core/parse.h"

namespace vsw {

using nlohmann::json;

namespace {

// Flow export speaks NetFlow too, from the same flow cache (telemetry/netflow/), over UDP.
constexpr CollectorProtocol kFlowProtocols[] = {{"netflow9", 2055}, {"netflow5", 2055}};

std::string set_uint(uint32_t& field, const std::string& key, const std::string& value, uint64_t lo,
                     uint64_t hi, const char* unit) {
    auto v = parse_uint(value, lo, hi);
    if (!v)
        return key + " must be " + std::to_string(lo) + "-" + std::to_string(hi) +
               (*unit ? " " : "") + unit + " (got '" + value + "')";
    field = static_cast<uint32_t>(*v);
    return "";
}

}  // namespace

std::string apply_ipfix_setting(IpfixConfig& c, const std::string& key, const std::string& value) {
    if (key == "collectors" || key == "collector") {
        std::vector<Collector> list;
        std::stringstream ss(value);
        for (std::string item; std::getline(ss, item, ',');) {
            if (item.empty()) continue;
            Collector col;
            if (auto e = parse_collector(item, kIpfixPort, col, kFlowProtocols); !e.empty())
                return e;
            for (const auto& other : list)
                if (other == col) return "collector " + col.str() + " listed twice";
            list.push_back(col);
        }
        if (list.size() > kMaxCollectors)
            return "at most " + std::to_string(kMaxCollectors) + " collectors";
        c.collectors = std::move(list);
        return "";
    }
    if (key == "obs-domain") return set_uint(c.obs_domain, key, value, 0, UINT32_MAX, "");
    if (key == "sampling")
        return set_uint(c.sampling, key, value, 1, 1u << 24, "(1 = every frame)");
    if (key == "sampling-mode") {
        if (value != "deterministic" && value != "random")
            return "sampling-mode must be deterministic or random";
        c.sampling_random = value == "random";
        return "";
    }
    if (key == "active-timeout") return set_uint(c.active_timeout, key, value, 1, 86400, "seconds");
    if (key == "idle-timeout") return set_uint(c.idle_timeout, key, value, 1, 86400, "seconds");
    if (key == "cache-max") return set_uint(c.cache_max, key, value, 1024, kMaxCacheFlows, "flows");
    if (key == "template-interval")
        return set_uint(c.template_interval, key, value, 1, 86400, "seconds");
    if (key == "mtu") return set_uint(c.mtu, key, value, 576, 9216, "bytes");
    return "unknown ipfix setting '" + key +
           "' (collectors, obs-domain, sampling, sampling-mode, active-timeout, idle-timeout, "
           "cache-max, "
           "template-interval, mtu)";
}

std::string validate_ipfix(const IpfixConfig& c) {
    if (c.idle_timeout > c.active_timeout)
        return "idle-timeout (" + std::to_string(c.idle_timeout) +
               " s) must not exceed active-timeout (" + std::to_string(c.active_timeout) + " s)";
    if (c.collectors.empty()) return "give at least one collector (HOST:PORT)";
    return "";
}

std::vector<std::pair<std::string, std::string>> ipfix_settings(const IpfixConfig& c) {
    std::string cols;
    for (const auto& col : c.collectors) {
        if (!cols.empty()) cols += ',';
        cols += col.str();
    }
    return {{"collectors", cols},
            {"obs-domain", std::to_string(c.obs_domain)},
            {"sampling", std::to_string(c.sampling)},
            {"sampling-mode", c.sampling_random ? "random" : "deterministic"},
            {"active-timeout", std::to_string(c.active_timeout)},
            {"idle-timeout", std::to_string(c.idle_timeout)},
            {"cache-max", std::to_string(c.cache_max)},
            {"template-interval", std::to_string(c.template_interval)},
            {"mtu", std::to_string(c.mtu)}};
}

json to_json(const IpfixConfig& c) {
    json j = json::object();
    for (const auto& [k, v] : ipfix_settings(c)) j[k] = v;
    return j;
}

IpfixConfig ipfix_config_from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("'ipfix' must be an object");
    IpfixConfig c;
    for (const auto& [k, v] : j.items()) {
        if (!v.is_string())
            throw std::invalid_argument("ipfix setting '" + k + "' must be a string");
        if (auto e = apply_ipfix_setting(c, k, v.get<std::string>()); !e.empty())
            throw std::invalid_argument("ipfix: " + e);
    }
    if (auto e = validate_ipfix(c); !e.empty()) throw std::invalid_argument("ipfix: " + e);
    return c;
}

}  // namespace vsw
