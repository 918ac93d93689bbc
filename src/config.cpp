#include "src/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace vsw {

using nlohmann::json;

const char* port_type_name(PortType t) {
    switch (t) {
        case PortType::kVhostUserClient: return "vhost-user-client";
        case PortType::kVhostUserServer: return "vhost-user-server";
        case PortType::kDpdk: return "dpdk";
    }
    return "?";
}

std::optional<PortType> port_type_from_name(const std::string& s) {
    for (PortType t : {PortType::kVhostUserClient, PortType::kVhostUserServer, PortType::kDpdk})
        if (s == port_type_name(t)) return t;
    return std::nullopt;
}

std::optional<uint64_t> parse_uint(const std::string& s, uint64_t lo, uint64_t hi) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi)
        return std::nullopt;
    return v;
}

std::string validate_port_name(const std::string& name) {
    if (name.empty() || name.size() > 32) return "port name must be 1 to 32 characters";
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok) return "port name '" + name + "' may contain only letters, digits, '_', '-' and '.'";
    }
    return "";
}

namespace {

constexpr uint64_t kMaxFrame = 1518;     // a burst must hold at least one full frame
constexpr uint64_t kMinRate = 8'000;     // 8 kbit/s
constexpr uint64_t kMaxRate = 400'000'000'000;  // 400 Gbit/s

// Parses a decimal number with an optional fraction and a suffix from `units`.
std::optional<double> parse_scaled(const std::string& s, const std::vector<std::pair<std::string, double>>& units) {
    size_t end = 0;
    while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == '.')) ++end;
    if (end == 0 || s.find('.') != s.rfind('.')) return std::nullopt;
    double v;
    try {
        v = std::stod(s.substr(0, end));
    } catch (const std::exception&) {
        return std::nullopt;
    }
    const std::string unit = s.substr(end);
    for (const auto& [u, factor] : units)
        if (unit == u) return v * factor;
    return std::nullopt;
}

uint64_t default_burst(uint64_t bytes_per_second) {
    return std::max<uint64_t>(bytes_per_second / 100, 2 * kMaxFrame);  // 10 ms, two frames at least
}

}  // namespace

std::string validate_port_config(const PortConfig& p) {
    if (auto e = validate_port_name(p.name); !e.empty()) return e;
    if (is_vhost(p.type)) {
        if (p.socket.empty()) return "a " + std::string(port_type_name(p.type)) + " port needs --socket PATH";
        if (p.socket[0] != '/') return "socket path must be absolute: '" + p.socket + "'";
        if (p.socket.size() >= 108) return "socket path is longer than a unix socket allows (107)";
        if (!p.devargs.empty()) return "--devargs applies only to --type dpdk";
    } else {
        if (p.devargs.empty()) return "a dpdk port needs --devargs ARGS";
        if (!p.socket.empty()) return "--socket applies only to vhost-user ports";
    }
    if (p.description.size() > 256) return "description is longer than 256 characters";
    if (p.owner.size() > 128) return "owner is longer than 128 characters";
    std::string err;
    if (!parse_vlan_list(p.trunks, err)) return "trunks: " + err;
    const std::string mode = vlan_mode_name(p.vlan_mode);
    switch (p.vlan_mode) {
        case VlanMode::kAccess:
            if (p.tag < 1 || p.tag > 4094) return "vlan-mode=access needs tag=N (1-4094)";
            if (!p.trunks.empty()) return "trunks apply to trunk and native modes, not access (clear them with trunks=)";
            break;
        case VlanMode::kTrunk:
            if (p.tag != 0) return "vlan-mode=trunk takes no tag (clear it with tag=none, or use a native mode)";
            break;
        case VlanMode::kNativeTagged:
        case VlanMode::kNativeUntagged:
            if (p.tag < 1 || p.tag > 4094) return "vlan-mode=" + mode + " needs tag=N, the native VLAN (1-4094)";
            break;
    }
    // Bandwidth.
    if (p.tx_burst && !p.tx_rate) return "tx-burst needs tx-rate";
    if (p.tx_peak && !p.tx_rate) return "tx-peak needs tx-rate";
    if (p.tx_peak && p.tx_peak < p.tx_rate) return "tx-peak must be at least tx-rate";
    if ((p.rx_burst || !p.rx_limit.empty() || p.rx_police) && !p.rx_rate)
        return "rx-burst, rx-limit and rx-mode need rx-rate";
    if (!p.rx_limit.empty() && !parse_scaled(p.rx_limit, {{"ms", 1e-3}, {"s", 1.0}, {"us", 1e-6}}) &&
        !parse_bytes(p.rx_limit))
        return "rx-limit must be bytes (150000, 150k) or a latency (20ms), not '" + p.rx_limit + "'";
    return "";
}


std::optional<uint64_t> parse_rate(const std::string& s) {
    auto v = parse_scaled(s, {{"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}});
    if (!v || *v < 1) return std::nullopt;
    return static_cast<uint64_t>(*v + 0.5);
}

std::optional<uint64_t> parse_bytes(const std::string& s) {
    auto v = parse_scaled(s, {{"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}});
    if (!v || *v < 1) return std::nullopt;
    return static_cast<uint64_t>(*v + 0.5);
}

std::string format_rate(uint64_t bps) {
    char buf[32];
    if (bps >= 1'000'000'000 && bps % 1'000'000 == 0) std::snprintf(buf, sizeof buf, "%gG", double(bps) / 1e9);
    else if (bps >= 1'000'000 && bps % 1'000 == 0) std::snprintf(buf, sizeof buf, "%gM", double(bps) / 1e6);
    else if (bps >= 1'000) std::snprintf(buf, sizeof buf, "%gk", double(bps) / 1e3);
    else std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(bps));
    return buf;
}

PortQos port_qos(const PortConfig& p) {
    PortQos q;
    if (p.tx_rate) {
        q.tx_shaped = true;
        q.tx_rate = p.tx_rate / 8;
        q.tx_burst = p.tx_burst ? p.tx_burst : default_burst(q.tx_rate);
        q.tx_peak = p.tx_peak / 8;
    }
    if (p.rx_rate) {
        q.rx_shaped = true;
        q.rx_police = p.rx_police;
        q.rx_rate = p.rx_rate / 8;
        q.rx_burst = p.rx_burst ? p.rx_burst : default_burst(q.rx_rate);
        q.rx_limit = std::max<uint64_t>(q.rx_rate / 20, 64 * 1024);  // 50 ms, 64 KiB at least
        if (!p.rx_limit.empty()) {
            if (auto ms = parse_scaled(p.rx_limit, {{"ms", 1e-3}, {"s", 1.0}, {"us", 1e-6}}))
                q.rx_limit = std::max<uint64_t>(static_cast<uint64_t>(*ms * double(q.rx_rate)), kMaxFrame);
            else if (auto b = parse_bytes(p.rx_limit))
                q.rx_limit = *b;
        }
    }
    return q;
}

std::string qos_summary(const PortConfig& p) {
    std::string s;
    if (p.tx_rate) s += "tx " + format_rate(p.tx_rate);
    if (p.rx_rate) s += std::string(s.empty() ? "" : ", ") + "rx " + format_rate(p.rx_rate) + (p.rx_police ? " police" : " shape");
    return s.empty() ? "-" : s;
}

PortVlan port_vlan(const PortConfig& p) {
    std::string err;
    auto trunks = parse_vlan_list(p.trunks, err);
    return PortVlan::make(p.vlan_mode, p.tag, trunks ? *trunks : VlanSet());
}

std::string vlan_summary(const PortConfig& p) {
    std::string s = vlan_mode_name(p.vlan_mode);
    if (p.vlan_mode != VlanMode::kTrunk) s += " " + std::to_string(p.tag);
    if (p.vlan_mode != VlanMode::kAccess) {
        if (p.vlan_mode != VlanMode::kTrunk) s += " trunks";
        s += " " + (p.trunks.empty() ? std::string("all") : p.trunks);
    }
    return s;
}

std::string validate_settings(const SwitchSettings& s) {
    if (s.fdb_aging_seconds < 1 || s.fdb_aging_seconds > 1'000'000)
        return "fdb-aging-time must be 1 to 1000000 seconds";
    return "";
}

std::string apply_port_setting(PortConfig& p, const std::string& key, const std::string& value) {
    if (key == "admin") {
        if (value == "up") p.admin_up = true;
        else if (value == "down") p.admin_up = false;
        else return "admin must be 'up' or 'down', not '" + value + "'";
        return "";
    }
    if (key == "description") {
        p.description = value;
        return p.description.size() > 256 ? "description is longer than 256 characters" : "";
    }
    if (key == "vlan-mode") {
        auto m = vlan_mode_from_name(value);
        if (!m) return "vlan-mode must be access, trunk, native-tagged or native-untagged, not '" + value + "'";
        p.vlan_mode = *m;
        return "";
    }
    if (key == "tag") {
        if (value.empty() || value == "none") {
            p.tag = 0;
            return "";
        }
        auto v = parse_uint(value, 1, 4094);
        if (!v) return "tag must be a VLAN from 1 to 4094 (or none), not '" + value + "'";
        p.tag = static_cast<uint16_t>(*v);
        return "";
    }
    if (key == "trunks") {
        std::string err;
        auto set = parse_vlan_list(value == "all" ? "" : value, err);
        if (!set) return "trunks: " + err;
        p.trunks = format_vlan_list(*set);
        return "";
    }
    if (key == "tx-rate" || key == "rx-rate" || key == "tx-peak") {
        uint64_t& field = key == "tx-rate" ? p.tx_rate : key == "rx-rate" ? p.rx_rate : p.tx_peak;
        if (value == "none" || value.empty()) {
            field = 0;
            // Removing a limit removes what only made sense with it.
            if (key == "tx-rate") p.tx_burst = p.tx_peak = 0;
            if (key == "rx-rate") {
                p.rx_burst = 0;
                p.rx_limit.clear();
                p.rx_police = false;
            }
            return "";
        }
        auto v = parse_rate(value);
        if (!v || *v == 0) return key + " must be a positive rate in bit/s such as 50M, 1.5G or 800k (or none), not '" + value + "'";
        if (*v < kMinRate || *v > kMaxRate) return key + " must be between 8k and 400G bit/s";
        field = *v;
        return "";
    }
    if (key == "tx-burst" || key == "rx-burst") {
        uint64_t& field = key == "tx-burst" ? p.tx_burst : p.rx_burst;
        if (value == "none" || value.empty()) {
            field = 0;
            return "";
        }
        auto v = parse_bytes(value);
        if (!v) return key + " must be bytes such as 64k or 100000, not '" + value + "'";
        if (*v < kMaxFrame) return key + " must hold at least one full frame (1518 bytes)";
        field = *v;
        return "";
    }
    if (key == "rx-limit") {
        p.rx_limit = value == "none" ? "" : value;
        return "";
    }
    if (key == "rx-mode") {
        if (value == "shape") p.rx_police = false;
        else if (value == "police") p.rx_police = true;
        else return "rx-mode must be shape or police, not '" + value + "'";
        return "";
    }
    return "unknown port setting '" + key + "' (known: admin, description, vlan-mode, tag, trunks, "
           "tx-rate, tx-burst, tx-peak, rx-rate, rx-burst, rx-limit, rx-mode)";
}

std::vector<std::pair<std::string, std::string>> port_settings(const PortConfig& p) {
    std::vector<std::pair<std::string, std::string>> s = {
        {"admin", p.admin_up ? "up" : "down"},
        {"description", p.description},
        {"vlan-mode", vlan_mode_name(p.vlan_mode)},
        {"tag", p.tag ? std::to_string(p.tag) : "none"},
        {"trunks", p.trunks.empty() ? "all" : p.trunks},
    };
    auto or_none = [](uint64_t v) { return v ? std::to_string(v) : std::string("none"); };
    // A rate of "none" also clears its companions, so companions come only after a set rate.
    s.emplace_back("tx-rate", or_none(p.tx_rate));
    if (p.tx_rate) {
        s.emplace_back("tx-burst", or_none(p.tx_burst));
        s.emplace_back("tx-peak", or_none(p.tx_peak));
    }
    s.emplace_back("rx-rate", or_none(p.rx_rate));
    if (p.rx_rate) {
        s.emplace_back("rx-burst", or_none(p.rx_burst));
        s.emplace_back("rx-limit", p.rx_limit.empty() ? "none" : p.rx_limit);
        s.emplace_back("rx-mode", p.rx_police ? "police" : "shape");
    }
    return s;
}

std::string apply_switch_setting(SwitchSettings& s, const std::string& key, const std::string& value) {
    if (key == "fdb-aging-time") {
        auto v = parse_uint(value, 1, 1'000'000);
        if (!v) return "fdb-aging-time must be 1 to 1000000 seconds, not '" + value + "'";
        s.fdb_aging_seconds = static_cast<uint32_t>(*v);
        return "";
    }
    return "unknown setting '" + key + "' (known: fdb-aging-time)";
}

json to_json(const PortConfig& p) {
    json j = {{"name", p.name}, {"type", port_type_name(p.type)}, {"admin", p.admin_up ? "up" : "down"}};
    if (!p.socket.empty()) j["socket"] = p.socket;
    if (!p.devargs.empty()) j["devargs"] = p.devargs;
    if (!p.description.empty()) j["description"] = p.description;
    if (!p.owner.empty()) j["owner"] = p.owner;
    if (p.tx_rate) j["tx-rate"] = p.tx_rate;
    if (p.tx_burst) j["tx-burst"] = p.tx_burst;
    if (p.tx_peak) j["tx-peak"] = p.tx_peak;
    if (p.rx_rate) j["rx-rate"] = p.rx_rate;
    if (p.rx_burst) j["rx-burst"] = p.rx_burst;
    if (!p.rx_limit.empty()) j["rx-limit"] = p.rx_limit;
    if (p.rx_police) j["rx-mode"] = "police";
    j["vlan-mode"] = vlan_mode_name(p.vlan_mode);
    if (p.tag) j["tag"] = p.tag;
    if (!p.trunks.empty()) j["trunks"] = p.trunks;
    return j;
}

namespace {

std::string get_string(const json& j, const char* field, bool required) {
    auto it = j.find(field);
    if (it == j.end()) {
        if (required) throw std::invalid_argument(std::string("missing field '") + field + "'");
        return "";
    }
    if (!it->is_string()) throw std::invalid_argument(std::string("field '") + field + "' must be a string");
    return it->get<std::string>();
}

}  // namespace

PortConfig port_config_from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("a port must be a JSON object");
    PortConfig p;
    p.name = get_string(j, "name", true);
    std::string type = get_string(j, "type", true);
    auto t = port_type_from_name(type);
    if (!t) throw std::invalid_argument("unknown port type '" + type + "' (known: vhost-user-client, vhost-user-server, dpdk)");
    p.type = *t;
    p.socket = get_string(j, "socket", false);
    p.devargs = get_string(j, "devargs", false);
    p.description = get_string(j, "description", false);
    p.owner = get_string(j, "owner", false);
    for (const char* key : {"tx-rate", "tx-burst", "tx-peak", "rx-rate", "rx-burst"}) {
        if (auto it = j.find(key); it != j.end()) {
            if (!it->is_number_unsigned()) throw std::invalid_argument(std::string("field '") + key + "' must be a number");
            if (auto e = apply_port_setting(p, key, std::to_string(it->get<uint64_t>())); !e.empty())
                throw std::invalid_argument(e);
        }
    }
    for (const char* key : {"admin", "vlan-mode", "trunks", "rx-limit", "rx-mode"}) {
        std::string v = get_string(j, key, false);
        if (!v.empty())
            if (auto e = apply_port_setting(p, key, v); !e.empty()) throw std::invalid_argument(e);
    }
    if (auto it = j.find("tag"); it != j.end()) {
        if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 4094)
            throw std::invalid_argument("field 'tag' must be a VLAN number from 1 to 4094");
        p.tag = static_cast<uint16_t>(it->get<int64_t>());
    }
    if (auto e = validate_port_config(p); !e.empty()) throw std::invalid_argument(e);
    return p;
}

json to_json(const SwitchConfig& c) {
    json ports = json::array();
    for (const auto& p : c.ports) ports.push_back(to_json(p));
    json j = {{"format", "vsw-state"},
              {"version", 1},
              {"settings", {{"fdb-aging-time", c.settings.fdb_aging_seconds}}},
              {"ports", ports}};
    if (!c.mirrors.empty()) {
        json mirrors = json::array();
        for (const auto& m : c.mirrors) mirrors.push_back(to_json(m));
        j["mirrors"] = mirrors;
    }
    if (c.ipfix.enabled()) j["ipfix"] = to_json(c.ipfix);
    return j;
}

SwitchConfig switch_config_from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("top level must be a JSON object");
    if (j.value("format", "") != "vsw-state") throw std::invalid_argument("not a vsw state file (format != \"vsw-state\")");
    if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int64_t>() != 1)
        throw std::invalid_argument("unsupported state file version (this vswd reads version 1)");
    SwitchConfig c;
    if (auto it = j.find("settings"); it != j.end()) {
        if (!it->is_object()) throw std::invalid_argument("'settings' must be an object");
        if (auto a = it->find("fdb-aging-time"); a != it->end()) {
            if (!a->is_number_integer() || a->get<int64_t>() < 0 || a->get<int64_t>() > UINT32_MAX)
                throw std::invalid_argument("'fdb-aging-time' must be a number of seconds");
            c.settings.fdb_aging_seconds = a->get<uint32_t>();
        }
        if (auto e = validate_settings(c.settings); !e.empty()) throw std::invalid_argument(e);
    }
    if (auto it = j.find("ports"); it != j.end()) {
        if (!it->is_array()) throw std::invalid_argument("'ports' must be an array");
        for (const auto& pj : *it) {
            PortConfig p = port_config_from_json(pj);
            for (const auto& q : c.ports)
                if (q.name == p.name) throw std::invalid_argument("duplicate port name '" + p.name + "'");
            c.ports.push_back(std::move(p));
        }
    }
    if (auto it = j.find("mirrors"); it != j.end()) {
        if (!it->is_array()) throw std::invalid_argument("'mirrors' must be an array");
        std::vector<std::string> names;
        for (const auto& p : c.ports) names.push_back(p.name);
        for (const auto& mj : *it) {
            MirrorConfig m = mirror_config_from_json(mj);
            if (auto e = validate_mirror_against(m, c.mirrors, names); !e.empty())
                throw std::invalid_argument("mirror " + m.name + ": " + e);
            c.mirrors.push_back(std::move(m));
        }
    }
    if (auto it = j.find("ipfix"); it != j.end()) c.ipfix = ipfix_config_from_json(*it);
    return c;
}

}  // namespace vsw
