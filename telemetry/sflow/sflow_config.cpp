#include "telemetry/sflow/sflow_config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "core/parse.h"

namespace vsw {

using nlohmann::json;

namespace {

std::string set_uint(uint32_t& field, const std::string& key, const std::string& value, uint64_t lo,
                     uint64_t hi, const char* unit) {
    auto v = parse_uint(value, lo, hi);
    if (!v)
        return key + " must be " + std::to_string(lo) + "-" + std::to_string(hi) +
               (*unit ? " " : "") + unit + " (got '" + value + "')";
    field = static_cast<uint32_t>(*v);
    return "";
}

std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream ss(list);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
}

}  // namespace

bool SflowConfig::covers(const std::string& name) const {
    return ports.empty() || std::find(ports.begin(), ports.end(), name) != ports.end();
}

std::string apply_sflow_setting(SflowConfig& c, const std::string& key, const std::string& value) {
    if (key == "collectors" || key == "collector") {
        std::vector<Collector> list;
        for (const std::string& item : split(value)) {
            Collector col;
            if (auto e = parse_collector(item, kSflowPort, col); !e.empty()) return e;
            if (col.tcp) return "sFlow goes over UDP only (" + item + ")";
            if (std::find(list.begin(), list.end(), col) != list.end())
                return "collector " + col.str() + " listed twice";
            list.push_back(col);
        }
        if (list.size() > kMaxSflowCollectors)
            return "at most " + std::to_string(kMaxSflowCollectors) + " collectors";
        c.collectors = std::move(list);
        return "";
    }
    if (key == "sampling")
        return set_uint(c.sampling, key, value, 1, 1u << 24, "(1 in N frames; 1 = every frame)");
    if (key == "polling")
        return set_uint(c.polling, key, value, 0, 3600, "seconds (0: no counter samples)");
    if (key == "header")
        return set_uint(c.header_bytes, key, value, 14, kMaxSflowHeaderBytes, "bytes");
    if (key == "max-datagram") return set_uint(c.max_datagram, key, value, 576, 9000, "bytes");
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
            for (const std::string& name : split(value)) {
                if (auto e = validate_port_name(name); !e.empty()) return e;
                if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
            }
        c.ports = std::move(list);
        return "";
    }
    return "unknown sflow setting '" + key +
           "' (collectors, sampling, polling, header, agent, ports, max-datagram)";
}

std::string validate_sflow(const SflowConfig& c) {
    if (c.collectors.empty()) return "give at least one collector (HOST:PORT)";
    return "";
}

std::vector<std::pair<std::string, std::string>> sflow_settings(const SflowConfig& c) {
    std::vector<std::string> cols;
    for (const auto& col : c.collectors) cols.push_back(col.str());
    return {{"collectors", joined(cols)},
            {"sampling", std::to_string(c.sampling)},
            {"polling", std::to_string(c.polling)},
            {"header", std::to_string(c.header_bytes)},
            {"agent", c.agent.empty() ? "auto" : c.agent},
            {"ports", c.ports.empty() ? "all" : joined(c.ports)},
            {"max-datagram", std::to_string(c.max_datagram)}};
}

json to_json(const SflowConfig& c) {
    json j = json::object();
    for (const auto& [k, v] : sflow_settings(c)) j[k] = v;
    return j;
}

SflowConfig sflow_config_from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("'sflow' must be an object");
    SflowConfig c;
    for (const auto& [k, v] : j.items()) {
        if (!v.is_string())
            throw std::invalid_argument("sflow setting '" + k + "' must be a string");
        if (auto e = apply_sflow_setting(c, k, v.get<std::string>()); !e.empty())
            throw std::invalid_argument("sflow: " + e);
    }
    if (auto e = validate_sflow(c); !e.empty()) throw std::invalid_argument("sflow: " + e);
    return c;
}

}  // namespace vsw
