#include "overlay/overlay_config.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/ipv4.h"
#include "core/parse.h"
#include "overlay/vxlan.h"

namespace vsw {

using nlohmann::json;

uint32_t VtepAddress::next_hop(uint32_t remote) const {
    if (same_subnet(ip, remote, prefix_len)) return remote;
    return gateway;
}

bool is_vtep_setting(const std::string& key) {
    return key == "vtep-ip" || key == "vtep-gateway";
}

std::string apply_vtep_setting(VtepAddress& v, const std::string& key, const std::string& value) {
    if (key == "vtep-ip") {
        if (value.empty() || value == "none") {
            v = VtepAddress{};
            return "";
        }
        uint32_t ip = 0;
        uint8_t len = 32;
        if (!parse_ipv4_prefix(value, ip, len) || ip == 0 || ip >> 28 == 0xe || ip == ~0u)
            return "vtep-ip must be a unicast IPv4 address with an optional /prefix "
                   "(10.0.0.1/24), or none, not '" +
                   value + "'";
        v.ip = ip;
        v.prefix_len = len;
        return "";
    }
    if (key == "vtep-gateway") {
        if (value.empty() || value == "none") {
            v.gateway = 0;
            return "";
        }
        uint32_t ip = 0;
        if (!parse_ipv4(value, ip) || ip == 0 || ip >> 28 == 0xe || ip == ~0u)
            return "vtep-gateway must be a unicast IPv4 address or none, not '" + value + "'";
        v.gateway = ip;
        return "";
    }
    return "unknown VTEP setting '" + key + "'";
}

std::string format_vtep(const VtepAddress& v) {
    if (!v.enabled()) return "";
    std::string s = format_ipv4(v.ip) + "/" + std::to_string(v.prefix_len);
    if (v.gateway) s += " via " + format_ipv4(v.gateway);
    return s;
}

std::string validate_vlan_vni(const OverlayConfig& c, uint16_t vlan, uint32_t vni) {
    if (vlan < 1 || vlan > 4094) return "VLAN must be 1 to 4094";
    if (vni < 1 || vni > kMaxVni) return "VNI must be 1 to 16777215";
    for (const auto& [other_vlan, other_vni] : c.vni_of_vlan)
        if (other_vni == vni && other_vlan != vlan)
            return "VNI " + std::to_string(vni) + " already carries VLAN " +
                   std::to_string(other_vlan);
    return "";
}

json to_json(const OverlayConfig& c) {
    json j = json::object();
    for (const auto& [vlan, vni] : c.vni_of_vlan) j[std::to_string(vlan)] = vni;
    return j;
}

OverlayConfig overlay_config_from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("'vxlan' must be an object {\"VLAN\": VNI}");
    OverlayConfig c;
    for (const auto& [key, value] : j.items()) {
        auto vlan = parse_uint(key, 1, 4094);
        if (!vlan) throw std::invalid_argument("vxlan: '" + key + "' is not a VLAN (1-4094)");
        if (!value.is_number_unsigned())
            throw std::invalid_argument("vxlan: the VNI of VLAN " + key + " must be a number");
        const uint64_t vni = value.get<uint64_t>();
        if (vni > kMaxVni) throw std::invalid_argument("vxlan: VNI of VLAN " + key + " too large");
        if (auto e = validate_vlan_vni(c, static_cast<uint16_t>(*vlan), static_cast<uint32_t>(vni));
            !e.empty())
            throw std::invalid_argument("vxlan: VLAN " + key + ": " + e);
        c.vni_of_vlan[static_cast<uint16_t>(*vlan)] = static_cast<uint32_t>(vni);
    }
    return c;
}

bool unicast_ipv4(uint32_t ip) {
    return ip != 0 && ip >> 28 != 0xe && ip != ~0u;
}

uint32_t ip_from_json(const json& j, const std::string& what) {
    uint32_t ip = 0;
    if (!j.is_string() || !parse_ipv4(j.get<std::string>(), ip) || !unicast_ipv4(ip))
        throw std::invalid_argument(what + " must be a unicast IPv4 address");
    return ip;
}

uint32_t vni_from_json(const json& j, const std::string& what) {
    if (j.is_number_unsigned() && j.get<uint64_t>() >= 1 && j.get<uint64_t>() <= kMaxVni)
        return j.get<uint32_t>();
    if (j.is_string())
        if (auto v = parse_uint(j.get<std::string>(), 1, kMaxVni)) return static_cast<uint32_t>(*v);
    throw std::invalid_argument(what + " must be a VNI from 1 to 16777215");
}

std::optional<Mac> unicast_mac_from_json(const json& j) {
    const auto mac = j.is_string() ? mac_from_string(j.get<std::string>()) : std::nullopt;
    if (!mac || mac_is_multicast(*mac) || *mac == 0) return std::nullopt;
    return mac;
}

std::string validate_overlay_remote(const OverlayRemote& r) {
    for (const auto& [vni, ips] : r.flood) {
        if (vni < 1 || vni > kMaxVni) return "VNI must be 1 to 16777215";
        for (uint32_t ip : ips)
            if (!unicast_ipv4(ip)) return "VTEP " + format_ipv4(ip) + " is not a unicast address";
    }
    for (const auto& [key, ip] : r.macs) {
        if (key.first < 1 || key.first > kMaxVni) return "VNI must be 1 to 16777215";
        if (mac_is_multicast(key.second) || key.second == 0)
            return "remote MAC " + mac_to_string(key.second) + " is not a unicast address";
        if (!unicast_ipv4(ip)) return "VTEP " + format_ipv4(ip) + " is not a unicast address";
    }
    return "";
}

json to_json(const OverlayRemote& r) {
    json flood = json::object();
    for (const auto& [vni, ips] : r.flood) {
        json list = json::array();
        for (uint32_t ip : ips) list.push_back(format_ipv4(ip));
        flood[std::to_string(vni)] = list;
    }
    json macs = json::array();
    for (const auto& [key, ip] : r.macs)
        macs.push_back(
            {{"vni", key.first}, {"mac", mac_to_string(key.second)}, {"vtep", format_ipv4(ip)}});
    return {{"flood", flood}, {"macs", macs}};
}

OverlayRemote overlay_remote_from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("the overlay's remote state must be an object");
    OverlayRemote r;
    if (auto it = j.find("flood"); it != j.end()) {
        if (!it->is_object()) throw std::invalid_argument("'flood' must be {\"VNI\": [VTEP, ...]}");
        for (const auto& [key, list] : it->items()) {
            const uint32_t vni = vni_from_json(json(key), "flood key '" + key + "'");
            if (!list.is_array()) throw std::invalid_argument("flood " + key + ": must be a list");
            auto& ips = r.flood[vni];
            for (const auto& ip : list) ips.insert(ip_from_json(ip, "flood " + key + ": VTEP"));
        }
    }
    if (auto it = j.find("macs"); it != j.end()) {
        if (!it->is_array()) throw std::invalid_argument("'macs' must be a list");
        for (const auto& e : *it) {
            if (!e.is_object() || !e.contains("vni") || !e.contains("mac"))
                throw std::invalid_argument("each remote MAC needs vni, mac and vtep");
            const uint32_t vni = vni_from_json(e["vni"], "remote MAC's vni");
            const auto mac = unicast_mac_from_json(e["mac"]);
            if (!mac) throw std::invalid_argument("remote MAC must be a unicast MAC address");
            // Deleting needs no VTEP: (VNI, MAC) names the entry.
            const uint32_t ip =
                e.contains("vtep") ? ip_from_json(e["vtep"], "remote MAC's vtep") : 0;
            r.macs[{vni, *mac}] = ip;
        }
    }
    return r;
}

}  // namespace vsw
