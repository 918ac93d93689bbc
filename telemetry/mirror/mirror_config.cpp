#include "telemetry/mirror/mirror_config.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "core/ipv4.h"
#include "core/mac.h"
#include "core/parse.h"
#include "core/vlan.h"

namespace vsw {

using nlohmann::json;

const char* mirror_kind_name(MirrorKind k) {
    switch (k) {
        case MirrorKind::kSpan: return "span";
        case MirrorKind::kRspan: return "rspan";
        case MirrorKind::kErspan2: return "erspan2";
        case MirrorKind::kErspan3: return "erspan3";
    }
    return "?";
}

std::string apply_mirror_setting(MirrorConfig& m, const std::string& key,
                                 const std::string& value) {
    auto number = [&](uint64_t lo, uint64_t hi, auto& field) -> std::string {
        auto v = parse_uint(value, lo, hi);
        if (!v)
            return key + " must be a number from " + std::to_string(lo) + " to " +
                   std::to_string(hi) + ", not '" + value + "'";
        field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
        return "";
    };
    if (key == "sources") {
        m.sources = split_list(value);
        for (const auto& s : m.sources)
            if (auto e = validate_port_name(s); !e.empty()) return "sources: " + e;
        return m.sources.empty() ? "sources needs at least one port" : "";
    }
    if (key == "direction") {
        if (value != "rx" && value != "tx" && value != "both")
            return "direction must be rx, tx or both, not '" + value + "'";
        m.rx = value != "tx";
        m.tx = value != "rx";
        return "";
    }
    if (key == "vlans") {
        std::string err;
        auto set = parse_vlan_list(value == "all" ? "" : value, err);
        if (!set) return "vlans: " + err;
        m.vlans = format_vlan_list(*set);
        return "";
    }
    if (key == "snaplen") {
        if (auto e = number(0, 65535, m.snaplen); !e.empty()) return e;
        return m.snaplen != 0 && m.snaplen < 14
                   ? "snaplen must be 0 (whole frames) or at least 14 bytes"
                   : "";
    }
    if (key == "output") {
        m.output = value;
        return validate_port_name(value).empty() ? "" : "output: " + validate_port_name(value);
    }
    if (key == "rspan-vlan") {
        if (auto e = number(1, 4094, m.rspan_vlan); !e.empty()) return e;
        m.kind = MirrorKind::kRspan;
        return "";
    }
    if (key == "erspan") {
        if (value == "2" || value == "II") m.kind = MirrorKind::kErspan2;
        else if (value == "3" || value == "III") m.kind = MirrorKind::kErspan3;
        else return "erspan must be 2 (type II) or 3 (type III), not '" + value + "'";
        return "";
    }
    if (key == "local-ip" || key == "remote-ip" || key == "gateway") {
        uint32_t& ip = key == "local-ip"    ? m.local_ip
                       : key == "remote-ip" ? m.remote_ip
                                            : m.gateway;
        if (!parse_ipv4(value, ip) || ip == 0)
            return key + " must be an IPv4 address, not '" + value + "'";
        return "";
    }
    if (key == "session-id") return number(0, 1023, m.session_id);
    if (key == "index") return number(0, (1u << 20) - 1, m.index);
    if (key == "hw-id") return number(0, 63, m.hw_id);
    if (key == "granularity") return number(0, 3, m.granularity);
    if (key == "ttl") return number(1, 255, m.ttl);
    if (key == "dscp") return number(0, 63, m.dscp);
    if (key == "next-hop-mac") {
        auto mac = mac_from_string(value);
        if (!mac || mac_is_multicast(*mac) || *mac == 0)
            return "next-hop-mac must be a unicast MAC, not '" + value + "'";
        m.next_hop_mac = *mac;
        return "";
    }
    return "unknown mirror setting '" + key +
           "' (known: sources, direction, vlans, snaplen, output, rspan-vlan, "
           "erspan, local-ip, remote-ip, session-id, index, hw-id, granularity, next-hop-mac, "
           "gateway, ttl, dscp)";
}

std::string validate_mirror(const MirrorConfig& m) {
    if (auto e = validate_port_name(m.name); !e.empty()) return "mirror name: " + e;
    if (m.sources.empty()) return "a mirror needs sources=PORT[,PORT...]";
    if (!m.rx && !m.tx) return "direction must include rx or tx";
    if (m.output.empty()) return "a mirror needs output=PORT";
    std::string err;
    if (!parse_vlan_list(m.vlans, err)) return "vlans: " + err;
    if (m.kind == MirrorKind::kRspan && (m.rspan_vlan < 1 || m.rspan_vlan > 4094))
        return "rspan-vlan must be 1-4094";
    if (m.kind != MirrorKind::kRspan && m.rspan_vlan)
        return "rspan-vlan and erspan exclude each other";
    if (is_erspan(m.kind)) {
        if (!m.local_ip || !m.remote_ip) return "ERSPAN needs local-ip and remote-ip";
        if (m.next_hop_mac && m.gateway)
            return "give next-hop-mac or gateway (resolved by ARP), not both";
        if (m.session_id > 1023) return "session-id must be 0-1023";
        if (m.kind == MirrorKind::kErspan2 && (m.hw_id || m.granularity != 1))
            return "hw-id and granularity are ERSPAN type III fields (erspan=3)";
        if (m.kind == MirrorKind::kErspan3 && m.index)
            return "index is an ERSPAN type II field (erspan=2)";
    } else if (m.local_ip || m.remote_ip || m.next_hop_mac || m.gateway || m.session_id ||
               m.index || m.hw_id) {
        return "local-ip, remote-ip, session-id, index, hw-id, next-hop-mac and gateway need "
               "erspan=2|3";
    }
    return "";
}

std::string validate_mirror_against(const MirrorConfig& m, const std::vector<MirrorConfig>& others,
                                    const std::vector<std::string>& port_names) {
    auto exists = [&](const std::string& p) {
        return std::find(port_names.begin(), port_names.end(), p) != port_names.end();
    };
    for (const auto& s : m.sources)
        if (!exists(s)) return "no port named '" + s + "' (sources)";
    if (!exists(m.output)) return "no port named '" + m.output + "' (output)";
    if (std::find(m.sources.begin(), m.sources.end(), m.output) != m.sources.end())
        return "output " + m.output + " is also a source: a mirror cannot copy into itself";
    for (const auto& o : others) {
        if (o.name == m.name) return "a mirror named '" + m.name + "' exists";
        const bool o_span = o.kind == MirrorKind::kSpan;
        if (o_span && std::find(m.sources.begin(), m.sources.end(), o.output) != m.sources.end())
            return "port " + o.output + " is the SPAN output of mirror " + o.name +
                   ": it carries no traffic of its own";
        if (o_span && o.output == m.output)
            return "port " + m.output + " is already the output of mirror " + o.name;
        if (m.kind == MirrorKind::kSpan) {
            if (o.output == m.output)
                return "port " + m.output + " is already the output of mirror " + o.name;
            if (std::find(o.sources.begin(), o.sources.end(), m.output) != o.sources.end())
                return "port " + m.output + " is a source of mirror " + o.name +
                       ": a SPAN output carries only mirrored frames";
        }
        if (is_erspan(m.kind) && is_erspan(o.kind) && o.session_id == m.session_id &&
            o.remote_ip == m.remote_ip)
            return "ERSPAN session-id " + std::to_string(m.session_id) + " to " +
                   format_ipv4(m.remote_ip) + " is used by mirror " + o.name;
    }
    return "";
}

json to_json(const MirrorConfig& m) {
    json j = {{"name", m.name},
              {"sources", join_list(m.sources)},
              {"direction", m.rx && m.tx ? "both"
                            : m.rx       ? "rx"
                                         : "tx"},
              {"output", m.output},
              {"type", mirror_kind_name(m.kind)}};
    if (!m.vlans.empty()) j["vlans"] = m.vlans;
    if (m.snaplen) j["snaplen"] = std::to_string(m.snaplen);
    if (m.kind == MirrorKind::kRspan) j["rspan-vlan"] = std::to_string(m.rspan_vlan);
    if (is_erspan(m.kind)) {
        j["erspan"] = m.kind == MirrorKind::kErspan2 ? "2" : "3";
        j["local-ip"] = format_ipv4(m.local_ip);
        j["remote-ip"] = format_ipv4(m.remote_ip);
        j["session-id"] = std::to_string(m.session_id);
        if (m.next_hop_mac) j["next-hop-mac"] = mac_to_string(m.next_hop_mac);
        if (m.gateway) j["gateway"] = format_ipv4(m.gateway);
        j["ttl"] = std::to_string(m.ttl);
        j["dscp"] = std::to_string(m.dscp);
        if (m.kind == MirrorKind::kErspan2) {
            j["index"] = std::to_string(m.index);
        } else {
            j["hw-id"] = std::to_string(m.hw_id);
            j["granularity"] = std::to_string(m.granularity);
        }
    }
    return j;
}

MirrorConfig mirror_config_from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("a mirror must be a JSON object");
    MirrorConfig m;
    auto name = j.find("name");
    if (name == j.end() || !name->is_string())
        throw std::invalid_argument("a mirror needs a 'name'");
    m.name = name->get<std::string>();
    for (const auto& [k, v] : j.items()) {
        if (k == "name" || k == "type" || k == "cmd" || k == "counters") continue;
        if (!v.is_string())
            throw std::invalid_argument("mirror field '" + k + "' must be a string");
        if (auto e = apply_mirror_setting(m, k, v.get<std::string>()); !e.empty())
            throw std::invalid_argument(e);
    }
    if (auto e = validate_mirror(m); !e.empty()) throw std::invalid_argument(e);
    return m;
}

}  // namespace vsw
