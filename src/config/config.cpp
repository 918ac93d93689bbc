#include "src/config/config.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "core/parse.h"
#include "src/config/port_settings.h"

namespace vsw {

using nlohmann::json;

const char* port_type_name(PortType t) {
    switch (t) {
        case PortType::kVhostUserClient: return "vhost-user-client";
        case PortType::kVhostUserServer: return "vhost-user-server";
        case PortType::kDpdk: return "dpdk";
        case PortType::kBond: return "bond";
    }
    return "?";
}

std::optional<PortType> port_type_from_name(const std::string& s) {
    for (PortType t :
         {PortType::kVhostUserClient, PortType::kVhostUserServer, PortType::kDpdk, PortType::kBond})
        if (s == port_type_name(t)) return t;
    return std::nullopt;
}

std::string validate_port_config(const PortConfig& p) {
    if (auto e = validate_port_name(p.name); !e.empty()) return e;
    if (is_vhost(p.type)) {
        if (p.socket.empty())
            return "a " + std::string(port_type_name(p.type)) + " port needs --socket PATH";
        if (p.socket[0] != '/') return "socket path must be absolute: '" + p.socket + "'";
        if (p.socket.size() >= 108) return "socket path is longer than a unix socket allows (107)";
        if (!p.devargs.empty()) return "--devargs applies only to --type dpdk";
    } else if (p.type == PortType::kBond) {
        if (!p.socket.empty() || !p.devargs.empty())
            return "a bond port takes no --socket or --devargs: its members are dpdk ports";
        if (p.mtu > kDefaultMtu)
            return "mtu above 1500 on a bond port is not supported (its members are dpdk ports)";
    } else {
        if (p.devargs.empty()) return "a dpdk port needs --devargs ARGS";
        if (!p.socket.empty()) return "--socket applies only to vhost-user ports";
        // vswd sets no device MTU and no scatter RX: a dpdk port takes frames up to 1500 bytes.
        if (p.mtu > kDefaultMtu)
            return "mtu above 1500 on a dpdk port is not supported (vswd configures no jumbo "
                   "frames on devices)";
    }
    if (p.description.size() > 256) return "description is longer than 256 characters";
    if (p.owner.size() > 128) return "owner is longer than 128 characters";
    std::string err;
    if (!parse_vlan_list(p.trunks, err)) return "trunks: " + err;
    const std::string mode = vlan_mode_name(p.vlan_mode);
    switch (p.vlan_mode) {
        case VlanMode::kAccess:
            if (p.tag < 1 || p.tag > 4094) return "vlan-mode=access needs tag=N (1-4094)";
            if (!p.trunks.empty())
                return "trunks apply to trunk and native modes, not access (clear them with "
                       "trunks=)";
            break;
        case VlanMode::kTrunk:
            if (p.tag != 0)
                return "vlan-mode=trunk takes no tag (clear it with tag=none, or use a native "
                       "mode)";
            break;
        case VlanMode::kNativeTagged:
        case VlanMode::kNativeUntagged:
            if (p.tag < 1 || p.tag > 4094)
                return "vlan-mode=" + mode + " needs tag=N, the native VLAN (1-4094)";
            break;
    }
    for (const PortSettingGroup& g : port_setting_groups())
        if (auto e = g.validate(p); !e.empty()) return e;
    return "";
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
    if (key == "admin")
        return set_either(p.admin_up, value, "up", "down", "admin must be 'up' or 'down'");
    if (key == "description") {
        p.description = value;
        return p.description.size() > 256 ? "description is longer than 256 characters" : "";
    }
    if (key == "vlan-mode") {
        auto m = vlan_mode_from_name(value);
        if (!m)
            return "vlan-mode must be access, trunk, native-tagged or native-untagged, not '" +
                   value + "'";
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
    if (key == "offloads")
        return set_either(p.offloads, value, "on", "off", "offloads must be 'on' or 'off'");
    if (key == "one-copy")
        return set_either(p.one_copy, value, "on", "off", "one-copy must be 'on' or 'off'");
    if (key == "forward-bpdu")
        return set_either(p.forward_bpdu, value, "on", "off", "forward-bpdu must be 'on' or 'off'");
    if (key == "mtu") {
        auto v = parse_uint(value, kMinMtu, kMaxMtu);
        if (!v)
            return "mtu must be " + std::to_string(kMinMtu) + " to " + std::to_string(kMaxMtu) +
                   " bytes, not '" + value + "'";
        p.mtu = static_cast<uint16_t>(*v);
        return "";
    }
    std::string known =
        "admin, description, vlan-mode, tag, trunks, offloads, one-copy, mtu, forward-bpdu";
    for (const PortSettingGroup& g : port_setting_groups()) {
        if (g.owns(key)) return g.apply(p, key, value);
        known += std::string(", ") + g.keys;
    }
    return "unknown port setting '" + key + "' (known: " + known + ")";
}

Settings port_settings(const PortConfig& p) {
    Settings s = {
        {"admin", p.admin_up ? "up" : "down"},
        {"description", p.description},
        {"vlan-mode", vlan_mode_name(p.vlan_mode)},
        {"tag", p.tag ? std::to_string(p.tag) : "none"},
        {"trunks", p.trunks.empty() ? "all" : p.trunks},
        {"mtu", std::to_string(p.mtu)},
    };
    for (const PortSettingGroup& g : port_setting_groups())
        if (g.reapplied)
            for (auto& setting : g.settings(p)) s.push_back(std::move(setting));
    return s;
}

std::string apply_switch_setting(SwitchSettings& s, const std::string& key,
                                 const std::string& value) {
    if (key == "fdb-aging-time") {
        auto v = parse_uint(value, 1, 1'000'000);
        if (!v) return "fdb-aging-time must be 1 to 1000000 seconds, not '" + value + "'";
        s.fdb_aging_seconds = static_cast<uint32_t>(*v);
        return "";
    }
    return "unknown setting '" + key + "' (known: fdb-aging-time)";
}

json to_json(const PortConfig& p) {
    json j = {
        {"name", p.name}, {"type", port_type_name(p.type)}, {"admin", p.admin_up ? "up" : "down"}};
    if (!p.socket.empty()) j["socket"] = p.socket;
    if (!p.devargs.empty()) j["devargs"] = p.devargs;
    if (!p.description.empty()) j["description"] = p.description;
    if (!p.owner.empty()) j["owner"] = p.owner;
    j["vlan-mode"] = vlan_mode_name(p.vlan_mode);
    if (p.tag) j["tag"] = p.tag;
    if (!p.trunks.empty()) j["trunks"] = p.trunks;
    if (!p.offloads) j["offloads"] = "off";
    if (p.one_copy) j["one-copy"] = "on";
    if (p.mtu != kDefaultMtu) j["mtu"] = p.mtu;
    if (p.forward_bpdu) j["forward-bpdu"] = "on";
    // Each feature's settings that are not defaults, counts and rates as numbers.
    for (const PortSettingGroup& g : port_setting_groups())
        for (const auto& [key, value] : g.settings(p)) {
            if (is_default_setting(p, g, key, value)) continue;
            if (g.numeric(key)) j[key] = std::stoull(value);
            else j[key] = value;
        }
    return j;
}

namespace {

// The state file's sections this file reads; any other top-level key is a controller's section.
const std::set<std::string> kCoreSections = {"format",  "version", "settings", "ports",
                                             "mirrors", "ipfix",   "vxlan"};

std::string get_string(const json& j, const char* field, bool required) {
    auto it = j.find(field);
    if (it == j.end()) {
        if (required) throw std::invalid_argument(std::string("missing field '") + field + "'");
        return "";
    }
    if (!it->is_string())
        throw std::invalid_argument(std::string("field '") + field + "' must be a string");
    return it->get<std::string>();
}

}  // namespace

PortConfig port_config_from_json(const json& j, bool validated) {
    if (!j.is_object()) throw std::invalid_argument("a port must be a JSON object");
    PortConfig p;
    p.name = get_string(j, "name", true);
    std::string type = get_string(j, "type", true);
    auto t = port_type_from_name(type);
    if (!t)
        throw std::invalid_argument("unknown port type '" + type +
                                    "' (known: vhost-user-client, vhost-user-server, dpdk, bond)");
    p.type = *t;
    p.socket = get_string(j, "socket", false);
    p.devargs = get_string(j, "devargs", false);
    p.description = get_string(j, "description", false);
    p.owner = get_string(j, "owner", false);
    if (auto it = j.find("mtu"); it != j.end()) {
        if (!it->is_number_unsigned()) throw std::invalid_argument("field 'mtu' must be a number");
        if (auto e = apply_port_setting(p, "mtu", std::to_string(it->get<uint64_t>())); !e.empty())
            throw std::invalid_argument(e);
    }
    for (const char* key :
         {"admin", "vlan-mode", "trunks", "offloads", "one-copy", "forward-bpdu"}) {
        std::string v = get_string(j, key, false);
        if (!v.empty())
            if (auto e = apply_port_setting(p, key, v); !e.empty()) throw std::invalid_argument(e);
    }
    // Each feature's settings that are there: numbers where it keeps numbers.
    for (const PortSettingGroup& g : port_setting_groups())
        for (const std::string& item : split_list(g.keys)) {
            const std::string key = item.substr(item.find_first_not_of(' '));
            const auto it = j.find(key);
            if (it == j.end()) continue;
            std::string v;
            if (g.numeric(key)) {
                if (!it->is_number_unsigned())
                    throw std::invalid_argument("field '" + key + "' must be a number");
                v = std::to_string(it->get<uint64_t>());
            } else {
                v = get_string(j, key.c_str(), false);
            }
            if (v.empty()) continue;
            if (auto e = g.apply(p, key, v); !e.empty()) throw std::invalid_argument(e);
        }
    if (auto it = j.find("tag"); it != j.end()) {
        if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 4094)
            throw std::invalid_argument("field 'tag' must be a VLAN number from 1 to 4094");
        p.tag = static_cast<uint16_t>(it->get<int64_t>());
    }
    if (!validated) return p;
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
    if (!c.overlay.vni_of_vlan.empty()) j["vxlan"] = to_json(c.overlay);
    for (const auto& [name, text] : c.sections) j[name] = json::parse(text);
    return j;
}

SwitchConfig switch_config_from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("top level must be a JSON object");
    if (j.value("format", "") != "vsw-state")
        throw std::invalid_argument("not a vsw state file (format != \"vsw-state\")");
    if (!j.contains("version") || !j["version"].is_number_integer() ||
        j["version"].get<int64_t>() != 1)
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
                if (q.name == p.name)
                    throw std::invalid_argument("duplicate port name '" + p.name + "'");
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
    if (auto it = j.find("vxlan"); it != j.end()) c.overlay = overlay_config_from_json(*it);
    for (const auto& [name, value] : j.items())
        if (!kCoreSections.contains(name)) c.sections[name] = value.dump();
    unsigned vteps = 0;
    for (const auto& p : c.ports) vteps += p.vtep.enabled();
    if (vteps > 1) throw std::invalid_argument("more than one port has a vtep-ip");
    return c;
}

}  // namespace vsw
