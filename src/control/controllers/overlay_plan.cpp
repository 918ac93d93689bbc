// The overlay's plans (overlay_plan.h).
#include "src/control/controllers/overlay_plan.h"

#include <algorithm>
#include <set>

#include "core/ipv4.h"

namespace vsw {

uint16_t vlan_of(const OverlayConfig& c, uint32_t vni) {
    for (const auto& [vlan, v] : c.vni_of_vlan)
        if (v == vni) return vlan;
    return 0;
}

std::unique_ptr<OverlayTable> plan_overlay_table(const OverlayConfig& overlay,
                                                 const OverlayRemote& remote,
                                                 const VtepIndex& vteps,
                                                 const OverlayTableInputs& in) {
    auto t = std::make_unique<OverlayTable>();
    t->uplink = in.uplink;
    t->local_ip = in.vtep.ip;
    uint16_t top = 0;
    for (const auto& [ip, index] : vteps) top = std::max<uint16_t>(top, index + 1);
    t->vteps.resize(top);
    for (const auto& [ip, index] : vteps) {
        RemoteVtep& r = t->vteps[index];
        r.ip = ip;
        r.counters = in.counters(ip);
        const uint32_t hop = in.vtep.next_hop(ip);
        const Mac mac = hop ? in.neighbor_mac(hop) : 0;
        r.resolved = mac != 0;
        write_vxlan_template(r.header, mac, in.source_mac, t->local_ip, ip, kVxlanTtl);
        t->by_ip.emplace_back(ip, index);
    }
    std::sort(t->by_ip.begin(), t->by_ip.end());
    for (const auto& [vlan, vni] : overlay.vni_of_vlan) {
        OverlaySegment s;
        s.vlan = vlan;
        s.vni = vni;
        if (auto it = remote.flood.find(vni); it != remote.flood.end())
            for (uint32_t ip : it->second) {
                s.flood.push_back(vteps.at(ip));
                s.senders.push_back(ip);
            }
        // A VTEP that announced a MAC in the VNI sends its frames too.
        for (auto it = remote.macs.lower_bound({vni, 0});
             it != remote.macs.end() && it->first.first == vni; ++it)
            s.senders.push_back(it->second);
        std::sort(s.senders.begin(), s.senders.end());
        s.senders.erase(std::unique(s.senders.begin(), s.senders.end()), s.senders.end());
        t->segments.push_back(std::move(s));
        t->segment_of_vlan[vlan] = static_cast<uint16_t>(t->segments.size());
        t->by_vni.emplace_back(vni, static_cast<uint16_t>(t->segments.size() - 1));
    }
    std::sort(t->by_vni.begin(), t->by_vni.end());
    return t;
}

std::string plan_remote(const OverlayRemote& old, const OverlayRemote& next,
                        const OverlayConfig& overlay, const VtepIndex& vteps, uint32_t local_ip,
                        size_t fdb_max, RemoteProgram& out) {
    out = {};
    if (auto e = validate_overlay_remote(next); !e.empty()) return e;
    std::set<uint32_t> ips;
    for (const auto& [vni, list] : next.flood) ips.insert(list.begin(), list.end());
    for (const auto& [key, ip] : next.macs) ips.insert(ip);
    if (ips.size() > kMaxRemoteVteps)
        return "more than " + std::to_string(kMaxRemoteVteps) + " remote VTEPs";
    if (next.macs.size() > fdb_max)
        return "more remote MACs than the FDB holds (" + std::to_string(fdb_max) + ")";
    if (local_ip && ips.count(local_ip))
        return "VTEP " + format_ipv4(local_ip) + " is the local one";
    std::vector<bool> used(kMaxRemoteVteps, false);
    for (const auto& [ip, index] : vteps) used[index] = true;
    uint16_t free = 0;
    for (uint32_t ip : ips) {
        if (vteps.count(ip)) continue;
        while (used[free]) ++free;
        used[free] = true;
        out.added[ip] = free;
    }
    for (const auto& [ip, index] : vteps)
        if (!ips.count(ip)) out.retired.push_back(ip);
    for (const auto& [key, ip] : old.macs)
        if (!next.macs.count(key))
            if (const uint16_t vlan = vlan_of(overlay, key.first))
                out.fdb_remove.emplace_back(key.second, vlan);
    for (const auto& [key, ip] : next.macs) {
        auto it = old.macs.find(key);
        if (it != old.macs.end() && it->second == ip) continue;  // a local learn since stays
        if (const uint16_t vlan = vlan_of(overlay, key.first))
            out.fdb_set.push_back({key.second, vlan, key.first, ip});
    }
    return "";
}

}  // namespace vsw
