#include "src/control/controllers/overlay_incidents.h"

#include <algorithm>

#include "core/ipv4.h"

namespace vsw {

using nlohmann::json;

bool OverlayIncidents::refused(const Key& key, uint32_t vtep) {
    auto [it, fresh] = refused_.try_emplace(key, vtep);
    if (!fresh && it->second == vtep) return false;
    it->second = vtep;
    ++refused_total_;
    return true;
}

void OverlayIncidents::keep_only(const OverlayRemote& remote) {
    std::erase_if(refused_, [&](const auto& r) {
        auto it = remote.macs.find(r.first);
        return it == remote.macs.end() || it->second != r.second;
    });
}

void OverlayIncidents::set_report(const OverlayReport& r, uint32_t now) {
    std::map<Key, uint32_t> since;
    for (const auto& d : r.duplicates) {
        auto it = frozen_since_.find({d.vni, d.mac});
        since[{d.vni, d.mac}] = it != frozen_since_.end() ? it->second : now;
    }
    frozen_since_ = std::move(since);
    report_ = r;
    report_time_ = now;
    reported_ = true;
}

std::string OverlayIncidents::clear_duplicates(uint32_t vni, Mac mac) {
    if (vni && !frozen_since_.count({vni, mac}))
        return "VNI " + std::to_string(vni) + " MAC " + mac_to_string(mac) +
               " is not a frozen duplicate (vswctl vxlan show lists them)";
    clears_.add(vni, mac);
    return "";
}

json OverlayIncidents::view(const OverlayConfig& overlay,
                            const std::function<std::string(Mac, uint16_t)>& port_of,
                            uint32_t now) const {
    json conflicts = json::array();
    for (const auto& c : report_.conflicts) {
        const uint16_t vlan = vlan_of(overlay, c.vni);
        conflicts.push_back({{"vni", c.vni},
                             {"vlan", vlan},
                             {"mac", mac_to_string(c.mac)},
                             {"port", port_of(c.mac, vlan)},
                             {"vtep", format_ipv4(c.vtep)},
                             {"seq", c.seq},
                             {"why", c.remote_static ? "static at the VTEP" : "pinned here"},
                             {"seen_by", "vsw-evpn"}});
    }
    for (const auto& [key, vtep] : refused_) {
        // Plain copies: clang 14 cannot capture structured bindings in a lambda.
        const uint32_t vni = key.first;
        const Mac mac = key.second;
        if (std::any_of(report_.conflicts.begin(), report_.conflicts.end(),
                        [&](const MacConflict& c) { return c.vni == vni && c.mac == mac; }))
            continue;
        const uint16_t vlan = vlan_of(overlay, vni);
        conflicts.push_back({{"vni", vni},
                             {"vlan", vlan},
                             {"mac", mac_to_string(mac)},
                             {"port", port_of(mac, vlan)},
                             {"vtep", format_ipv4(vtep)},
                             {"seq", nullptr},
                             {"why", "pinned here"},
                             {"seen_by", "vswd"}});
    }
    json duplicates = json::array();
    for (const auto& d : report_.duplicates) {
        const uint32_t frozen_s = now - frozen_since_.at({d.vni, d.mac});
        json hold_left = "until cleared";
        if (d.hold_s) hold_left = d.hold_s > frozen_s ? d.hold_s - frozen_s : 0;
        duplicates.push_back({{"vni", d.vni},
                              {"vlan", vlan_of(overlay, d.vni)},
                              {"mac", mac_to_string(d.mac)},
                              {"at", d.vtep ? format_ipv4(d.vtep) : "local"},
                              {"moves", d.moves},
                              {"frozen_s", frozen_s},
                              {"hold_left_s", hold_left}});
    }
    return {{"conflicts", conflicts},
            {"duplicates", duplicates},
            {"duplicate_clears", to_json(clears_)},
            {"pinned_refused", refused_total_},
            {"report_age_s", reported_ ? json(now - report_time_) : json(nullptr)}};
}

json OverlayIncidents::counts(uint32_t vni) const {
    auto in_vni = [&](const auto& list) {
        return std::count_if(list.begin(), list.end(), [&](const auto& x) { return x.vni == vni; });
    };
    size_t refused_only = 0;
    for (const auto& refusal : refused_) {
        const Mac mac = refusal.first.second;
        if (refusal.first.first == vni &&
            std::none_of(report_.conflicts.begin(), report_.conflicts.end(),
                         [&](const MacConflict& c) { return c.vni == vni && c.mac == mac; }))
            ++refused_only;
    }
    return {{"conflicts", in_vni(report_.conflicts) + refused_only},
            {"duplicates", in_vni(report_.duplicates)}};
}

}  // namespace vsw
