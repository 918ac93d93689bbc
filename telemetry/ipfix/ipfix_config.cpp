#include "telemetry/ipfix/ipfix_config.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/parse.h"
#include "core/settings_json.h"

namespace vsw {

using nlohmann::json;

namespace {

// Flow export speaks NetFlow too, from the same flow cache (telemetry/netflow/), over UDP.
constexpr CollectorProtocol kFlowProtocols[] = {{"netflow9", 2055}, {"netflow5", 2055}};

}  // namespace

std::string apply_ipfix_setting(IpfixConfig& c, const std::string& key, const std::string& value) {
    if (key == "collectors" || key == "collector")
        return parse_collector_list(value, kIpfixPort, kMaxCollectors, c.collectors,
                                    kFlowProtocols);
    if (key == "obs-domain") return set_uint_setting(c.obs_domain, key, value, 0, UINT32_MAX, "");
    if (key == "sampling")
        return set_uint_setting(c.sampling, key, value, 1, 1u << 24, "(1 = every frame)");
    if (key == "sampling-mode") {
        if (value != "deterministic" && value != "random")
            return "sampling-mode must be deterministic or random";
        c.sampling_random = value == "random";
        return "";
    }
    if (key == "active-timeout")
        return set_uint_setting(c.active_timeout, key, value, 1, 86400, "seconds");
    if (key == "idle-timeout")
        return set_uint_setting(c.idle_timeout, key, value, 1, 86400, "seconds");
    if (key == "cache-max")
        return set_uint_setting(c.cache_max, key, value, 1024, kMaxCacheFlows, "flows");
    if (key == "template-interval")
        return set_uint_setting(c.template_interval, key, value, 1, 86400, "seconds");
    if (key == "mtu") return set_uint_setting(c.mtu, key, value, 576, 9216, "bytes");
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
    return {{"collectors", collector_list_str(c.collectors)},
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
    return settings_object(ipfix_settings(c));
}

IpfixConfig ipfix_config_from_json(const json& j) {
    return config_from_settings_object<IpfixConfig>(j, "ipfix", apply_ipfix_setting,
                                                    validate_ipfix);
}

}  // namespace vsw
