// Switch: the VXLAN overlay (control side): the VTEP port, VLAN <-> VNI mappings, the control
// plane's remote VTEPs and MACs programmed into the compiled OverlayTable and the FDB, ARP on
// the underlay (answering for the VTEP address, resolving the VTEPs' next hops), and the view.
// The datapath half is src/datapath/overlay_stage.* and overlay/.
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <set>

#include "core/ipv4.h"
#include "src/control/switch.h"
#include "src/datapath/overlay_stage.h"

namespace vsw {

using nlohmann::json;

namespace {

constexpr unsigned kMaxRemoteVteps = 4096;  // remote VTEPs one switch sends to
constexpr uint8_t kVxlanTtl = 64;

// The VLAN mapped to `vni`, or 0.
uint16_t vlan_of(const OverlayConfig& c, uint32_t vni) {
    for (const auto& [vlan, v] : c.vni_of_vlan)
        if (v == vni) return vlan;
    return 0;
}

}  // namespace

const SwitchPort* Switch::vtep_port() const {
    for (uint16_t slot : order_)
        if (slots_[slot]->config.vtep.enabled()) return slots_[slot].get();
    return nullptr;
}

std::string Switch::vtep_conflict(const PortConfig& c) const {
    if (!c.vtep.enabled()) return "";
    const SwitchPort* v = vtep_port();
    if (v && v->config.name != c.name)
        return "port " + v->config.name + " already has the VTEP address (" +
               format_vtep(v->config.vtep) + "): one VTEP per switch";
    if (const MirrorConfig* m = mirror_using(c.name))
        return "port " + c.name + " is used by mirror " + m->name +
               ": the VTEP port carries VXLAN only";
    return "";
}

std::unique_ptr<const OverlayTable> Switch::build_overlay_table() const {
    const SwitchPort* up = vtep_port();
    if (!up) return nullptr;
    auto t = std::make_unique<OverlayTable>();
    t->uplink = up->slot;
    t->local_ip = up->config.vtep.ip;
    const Mac src_mac = output_mac(*up, t->local_ip);
    uint16_t top = 0;
    for (const auto& [ip, v] : vteps_)
        top = std::max<uint16_t>(top, static_cast<uint16_t>(v.index + 1));
    t->vteps.resize(top);
    for (const auto& [ip, v] : vteps_) {
        RemoteVtep& r = t->vteps[v.index];
        r.ip = ip;
        r.counters = v.counters.get();
        const uint32_t hop = up->config.vtep.next_hop(ip);
        const Mac mac = hop ? neighbors_.mac_of(hop) : 0;
        r.resolved = mac != 0;
        write_vxlan_template(r.header, mac, src_mac, t->local_ip, ip, kVxlanTtl);
        t->by_ip.emplace_back(ip, v.index);
    }
    std::sort(t->by_ip.begin(), t->by_ip.end());
    for (const auto& [vlan, vni] : overlay_.vni_of_vlan) {
        OverlaySegment s;
        s.vlan = vlan;
        s.vni = vni;
        if (auto it = remote_.flood.find(vni); it != remote_.flood.end())
            for (uint32_t ip : it->second) {
                s.flood.push_back(vteps_.at(ip).index);
                s.senders.push_back(ip);
            }
        // A VTEP that announced a MAC in the VNI sends its frames too.
        for (auto it = remote_.macs.lower_bound({vni, 0});
             it != remote_.macs.end() && it->first.first == vni; ++it)
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

void Switch::program_vni_macs(uint32_t vni, uint16_t vlan, bool add) {
    for (auto it = remote_.macs.lower_bound({vni, 0});
         it != remote_.macs.end() && it->first.first == vni; ++it) {
        if (!add) {
            fdb_.remove_remote(it->first.second, vlan);
        } else if (!fdb_.set_remote(it->first.second, vlan, vteps_.at(it->second).index)) {
            fprintf(stderr, "vswd: FDB full: remote MAC %s (VNI %u) not programmed\n",
                    mac_to_string(it->first.second).c_str(), vni);
        }
    }
}

std::string Switch::program_remote(const OverlayRemote& next) {
    if (auto e = validate_overlay_remote(next); !e.empty()) return e;
    std::set<uint32_t> ips;
    for (const auto& [vni, list] : next.flood) ips.insert(list.begin(), list.end());
    for (const auto& [key, ip] : next.macs) ips.insert(ip);
    if (ips.size() > kMaxRemoteVteps)
        return "more than " + std::to_string(kMaxRemoteVteps) + " remote VTEPs";
    if (next.macs.size() > fdb_.max_entries())
        return "more remote MACs than the FDB holds (" + std::to_string(fdb_.max_entries()) + ")";
    if (const SwitchPort* up = vtep_port())
        for (uint32_t ip : ips)
            if (ip == up->config.vtep.ip) return "VTEP " + format_ipv4(ip) + " is the local one";
    // Indices for the new VTEPs: the lowest free ones.
    std::vector<bool> used(kMaxRemoteVteps, false);
    for (const auto& [ip, v] : vteps_) used[v.index] = true;
    uint16_t next_free = 0;
    for (uint32_t ip : ips) {
        if (vteps_.count(ip)) continue;
        while (used[next_free]) ++next_free;
        used[next_free] = true;
        vteps_[ip] = RemoteVtepState{next_free, std::make_unique<VtepCounters>()};
    }
    const OverlayRemote old = std::exchange(remote_, next);
    publish();  // VTEPs and flood lists first: an FDB entry never names a VTEP workers lack
    for (const auto& [key, ip] : old.macs) {
        auto it = remote_.macs.find(key);
        if (it != remote_.macs.end() && it->second == ip) continue;
        if (const uint16_t vlan = vlan_of(overlay_, key.first); vlan && it == remote_.macs.end())
            fdb_.remove_remote(key.second, vlan);
    }
    for (const auto& [key, ip] : remote_.macs) {
        auto it = old.macs.find(key);
        if (it != old.macs.end() && it->second == ip) continue;  // a local learn since stays
        const uint16_t vlan = vlan_of(overlay_, key.first);
        if (vlan && !fdb_.set_remote(key.second, vlan, vteps_.at(ip).index))
            fprintf(stderr, "vswd: FDB full: remote MAC %s (VNI %u) not programmed\n",
                    mac_to_string(key.second).c_str(), key.first);
    }
    // VTEPs nobody names any more: out of the table, then their counters go.
    std::vector<std::unique_ptr<VtepCounters>> retired;
    for (auto it = vteps_.begin(); it != vteps_.end();) {
        if (ips.count(it->first)) {
            ++it;
            continue;
        }
        retired.push_back(std::move(it->second.counters));
        it = vteps_.erase(it);
    }
    if (!retired.empty()) publish();
    resolve_vtep_next_hops();  // new next hops are asked at once
    return "";
}

ControlResult Switch::vxlan_remote(RemoteOp op, const OverlayRemote& r) {
    OverlayRemote next = op == RemoteOp::kReplace ? r : remote_;
    if (op == RemoteOp::kAdd) {
        for (const auto& [vni, ips] : r.flood) next.flood[vni].insert(ips.begin(), ips.end());
        for (const auto& [key, ip] : r.macs) next.macs[key] = ip;
    } else if (op == RemoteOp::kDelete) {
        for (const auto& [vni, ips] : r.flood) {
            auto it = next.flood.find(vni);
            if (it == next.flood.end()) continue;
            for (uint32_t ip : ips) it->second.erase(ip);
            if (it->second.empty() || ips.empty()) next.flood.erase(it);
        }
        for (const auto& [key, ip] : r.macs) next.macs.erase(key);
    }
    if (auto e = program_remote(next); !e.empty()) return ControlResult::fail(e);
    return ControlResult::ok({{"vteps", vteps_.size()}, {"macs", remote_.macs.size()}});
}

ControlResult Switch::vxlan_map(uint16_t vlan, uint32_t vni) {
    if (auto e = validate_vlan_vni(overlay_, vlan, vni); !e.empty()) return ControlResult::fail(e);
    const OverlayConfig old = overlay_;
    auto apply = [this](const OverlayConfig& from, const OverlayConfig& to) {
        for (const auto& [vl, vn] : from.vni_of_vlan)
            if (!to.vni_of_vlan.count(vl) || to.vni_of_vlan.at(vl) != vn)
                program_vni_macs(vn, vl, false);
        overlay_ = to;
        publish();
        for (const auto& [vl, vn] : to.vni_of_vlan)
            if (!from.vni_of_vlan.count(vl) || from.vni_of_vlan.at(vl) != vn)
                program_vni_macs(vn, vl, true);
    };
    OverlayConfig updated = overlay_;
    updated.vni_of_vlan[vlan] = vni;
    apply(old, updated);
    return persist_or_undo(ControlResult::ok({{"vlan", vlan}, {"vni", vni}}),
                           [&] { apply(updated, old); });
}

ControlResult Switch::vxlan_unmap(uint16_t vlan) {
    auto it = overlay_.vni_of_vlan.find(vlan);
    if (it == overlay_.vni_of_vlan.end())
        return ControlResult::fail("VLAN " + std::to_string(vlan) + " is not mapped to a VNI");
    const uint32_t vni = it->second;
    program_vni_macs(vni, vlan, false);
    overlay_.vni_of_vlan.erase(it);
    publish();
    return persist_or_undo(ControlResult::ok({{"vlan", vlan}, {"unmapped", vni}}), [&] {
        overlay_.vni_of_vlan[vlan] = vni;
        publish();
        program_vni_macs(vni, vlan, true);
    });
}

void Switch::resolve_vtep_next_hops() {
    const SwitchPort* up = vtep_port();
    if (!slow_path_.inject_ring() || !up || !up->link_up()) return;
    const uint64_t now = now_ms();
    const Neighbors::Via via{up->slot, output_mac(*up, up->config.vtep.ip), up->config.vtep.ip};
    for (const auto& [ip, v] : vteps_)
        if (const uint32_t hop = up->config.vtep.next_hop(ip))  // else counted as unresolved
            neighbors_.want(hop, via, now);
}

void Switch::answer_vtep_arp(const ArpMessage& a) {
    const SwitchPort* up = vtep_port();
    if (!up) return;
    const uint32_t local = up->config.vtep.ip;
    if (!a.request || a.target_ip != local || a.sender_ip == local) return;
    uint8_t reply[kArpFrameLen];
    build_arp_reply(reply, output_mac(*up, local), local, a.sender_mac, a.sender_ip);
    if (slow_path_.send(up->slot, reply)) ++vtep_arp_answered_;
}

json Switch::overlay_drops() const {
    json drops = json::object();
    const SwitchPort* up = vtep_port();
    if (!up) return drops;
    telemetry::PortCountersTotal t;
    for (const auto& c : up->counters) t.accumulate(c);
    for (DropReason r :
         {DropReason::kUnderlayOther, DropReason::kVxlanMalformed, DropReason::kVxlanUnknownVni,
          DropReason::kVxlanUnknownVtep, DropReason::kVxlanInnerTagged, DropReason::kVxlanLoop,
          DropReason::kVxlanOverMtu, DropReason::kVxlanUnresolved})
        drops[std::string(drop_reason_name(r))] = t.drops[static_cast<unsigned>(r)];
    return drops;
}

void Switch::take_guest_arp(const GuestArp& a) {
    // Only for a MAC the FDB has on that port (the worker learned it first): a guest's
    // per-port MAC limit and the FDB's size bound this table too.
    if (fdb_.lookup(a.mac, a.vlan) != a.slot) return;
    auto it = guest_ips_.find({a.vlan, a.mac});
    if (it == guest_ips_.end()) {
        if (guest_ips_.size() >= kMaxGuestIps) return;  // bounded: a flood of made-up MACs
        it = guest_ips_.emplace(std::make_pair(a.vlan, a.mac), GuestIp{}).first;
    }
    it->second = GuestIp{a.ip, a.slot, now_seconds()};
}

void Switch::forget_guest_ips() {
    const uint32_t now = now_seconds();
    std::erase_if(guest_ips_, [&](const auto& e) { return now - e.second.seen > kGuestIpMemory; });
}

ControlResult Switch::vxlan_show() {
    const SwitchPort* up = vtep_port();
    json vtep = nullptr;
    if (up)
        vtep = {
            {"port", up->config.name},
            {"address", format_vtep(up->config.vtep)},
            {"link", up->link_up() ? "up" : "down"},
            {"mtu", up->config.mtu},
            {"inner_mtu", up->config.mtu > kVxlanOverhead ? up->config.mtu - kVxlanOverhead : 0},
            {"arp_answered", vtep_arp_answered_}};
    json vnis = json::array();
    for (const auto& [vlan, vni] : overlay_.vni_of_vlan) {
        json flood = json::array();
        if (auto it = remote_.flood.find(vni); it != remote_.flood.end())
            for (uint32_t ip : it->second) flood.push_back(format_ipv4(ip));
        size_t macs = 0;
        for (auto it = remote_.macs.lower_bound({vni, 0});
             it != remote_.macs.end() && it->first.first == vni; ++it)
            ++macs;
        vnis.push_back({{"vlan", vlan}, {"vni", vni}, {"flood", flood}, {"remote_macs", macs}});
    }
    json vteps = json::array();
    for (const auto& [ip, v] : vteps_) {
        using B = VtepCounters::Block;
        const auto& w = v.counters->w;
        json j = {{"ip", format_ipv4(ip)},
                  {"encap_packets", w.sum(&B::encap_packets)},
                  {"encap_bytes", w.sum(&B::encap_bytes)},
                  {"decap_packets", w.sum(&B::decap_packets)},
                  {"decap_bytes", w.sum(&B::decap_bytes)},
                  {"unresolved", w.sum(&B::unresolved)}};
        const uint32_t hop = up ? up->config.vtep.next_hop(ip) : 0;
        j["next_hop"] = hop ? format_ipv4(hop) : "none (off-link, no vtep-gateway)";
        if (const Neighbors::Entry* nh = hop ? neighbors_.find(hop) : nullptr) {
            j["next_hop_mac"] = nh->mac ? mac_to_string(nh->mac) : "resolving";
            j["arp"] = {{"requests", nh->requests}, {"replies", nh->replies}};
        }
        vteps.push_back(j);
    }
    json macs = json::array();
    for (const auto& [key, ip] : remote_.macs)
        macs.push_back({{"vni", key.first},
                        {"vlan", vlan_of(overlay_, key.first)},
                        {"mac", mac_to_string(key.second)},
                        {"vtep", format_ipv4(ip)}});
    return ControlResult::ok({{"vtep", vtep},
                              {"vnis", vnis},
                              {"vteps", vteps},
                              {"remote_macs", macs},
                              {"drops", overlay_drops()}});
}

}  // namespace vsw
