// The VXLAN overlay's control side (overlay_controller.h).
#include "src/control/controllers/overlay_controller.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <random>

#include "core/ipv4.h"
#include "src/control/commands/vxlan_commands.h"

namespace vsw {

using nlohmann::json;

OverlayController::OverlayController(const SwitchServices& services)
    : sw_(services), incidents_(std::random_device{}()) {
    sw_.slow_path->claim(PuntReason::kArp, [this](const Punt& p) {
        if (auto a = parse_arp(rte_pktmbuf_mtod(p.frame, const uint8_t*), p.frame->data_len))
            answer_vtep_arp(*a);
    });
    sw_.slow_path->claim(PuntReason::kGuestArp,
                         [this](const Punt& p) { take_guest_arp(p.guest_arp); });
}

void OverlayController::register_commands(CommandTable& t) {
    register_vxlan_commands(
        t,
        {.map = [this](uint16_t vlan, uint32_t vni) { return map(vlan, vni); },
         .unmap = [this](uint16_t vlan) { return unmap(vlan); },
         .remote = [this](RemoteOp op, const OverlayRemote& r) { return remote(op, r); },
         .show = [this] { return show(); },
         .report =
             [this](const OverlayReport& r) { incidents_.set_report(r, sw_.clock_seconds()); },
         .clear_duplicates = [this](uint32_t vni, Mac mac) { return clear_duplicates(vni, mac); }});
}

const SwitchPort* OverlayController::vtep_port() const {
    for (const SwitchPort* p : sw_.ports())
        if (p->config.vtep.enabled()) return p;
    return nullptr;
}

std::string OverlayController::check_port(const PortConfig& c) const {
    if (!c.vtep.enabled()) return "";
    const SwitchPort* v = vtep_port();
    if (v && v->config.name != c.name)
        return "port " + v->config.name + " already has the VTEP address (" +
               format_vtep(v->config.vtep) + "): one VTEP per switch";
    return "";
}

void OverlayController::claim_ports(Snapshot& next) {
    const SwitchPort* up = vtep_port();
    if (!up) return;
    OverlayTableInputs in;
    in.uplink = up->slot;
    in.vtep = up->config.vtep;
    in.source_mac = frame_source_mac(*up, up->config.vtep.ip);
    in.neighbor_mac = [this](uint32_t ip) { return sw_.neighbors->mac_of(ip); };
    in.counters = [this](uint32_t ip) { return counters_.at(ip).get(); };
    next.overlay = plan_overlay_table(overlay_, remote_, vteps_, in);
    next.role[up->slot] = PortRole::kUnderlay;
}

void OverlayController::set_remote_mac(Mac mac, uint16_t vlan, uint32_t vni, uint32_t vtep) {
    switch (sw_.fdb->set_remote(mac, vlan, vteps_.at(vtep))) {
        case Fdb::RemoteResult::kSet: incidents_.programmed({vni, mac}); break;
        case Fdb::RemoteResult::kFull:
            fprintf(stderr, "vswd: FDB full: remote MAC %s (VNI %u) not programmed\n",
                    mac_to_string(mac).c_str(), vni);
            break;
        case Fdb::RemoteResult::kPinned:  // a guest's own MAC here: the overlay does not take it
            if (!incidents_.refused({vni, mac}, vtep)) break;  // logged when it began
            fprintf(stderr,
                    "vswd: remote MAC %s (VNI %u, VTEP %s) is pinned to a local port: kept local\n",
                    mac_to_string(mac).c_str(), vni, format_ipv4(vtep).c_str());
            break;
    }
}

void OverlayController::program_vni_macs(uint32_t vni, uint16_t vlan, bool add) {
    for (auto it = remote_.macs.lower_bound({vni, 0});
         it != remote_.macs.end() && it->first.first == vni; ++it) {
        if (add) set_remote_mac(it->first.second, vlan, vni, it->second);
        else sw_.fdb->remove_remote(it->first.second, vlan);
    }
}

std::string OverlayController::program_remote(const OverlayRemote& next) {
    const SwitchPort* up = vtep_port();
    RemoteProgram program;
    if (auto e = plan_remote(remote_, next, overlay_, vteps_, up ? up->config.vtep.ip : 0,
                             sw_.fdb->max_entries(), program);
        !e.empty())
        return e;
    for (const auto& [ip, index] : program.added) {
        vteps_[ip] = index;
        counters_[ip] = std::make_unique<VtepCounters>();
    }
    remote_ = next;
    incidents_.keep_only(remote_);
    sw_.publish();  // VTEPs and flood lists first: an FDB entry never names a VTEP workers lack
    for (const auto& [mac, vlan] : program.fdb_remove) sw_.fdb->remove_remote(mac, vlan);
    for (const auto& e : program.fdb_set) set_remote_mac(e.mac, e.vlan, e.vni, e.vtep);
    // VTEPs nobody names any more: out of the table, then their counters go.
    std::vector<std::unique_ptr<VtepCounters>> retired;
    for (uint32_t ip : program.retired) {
        vteps_.erase(ip);
        retired.push_back(std::move(counters_[ip]));
        counters_.erase(ip);
    }
    if (!retired.empty()) sw_.publish();
    want_next_hops();  // new next hops are asked at once
    return "";
}

ControlResult OverlayController::remote(RemoteOp op, const OverlayRemote& r) {
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

void OverlayController::apply_mappings(const OverlayConfig& from, const OverlayConfig& to) {
    for (const auto& [vlan, vni] : from.vni_of_vlan)
        if (!to.vni_of_vlan.count(vlan) || to.vni_of_vlan.at(vlan) != vni)
            program_vni_macs(vni, vlan, false);
    overlay_ = to;
    sw_.publish();
    for (const auto& [vlan, vni] : to.vni_of_vlan)
        if (!from.vni_of_vlan.count(vlan) || from.vni_of_vlan.at(vlan) != vni)
            program_vni_macs(vni, vlan, true);
}

ControlResult OverlayController::map(uint16_t vlan, uint32_t vni) {
    if (auto e = validate_vlan_vni(overlay_, vlan, vni); !e.empty()) return ControlResult::fail(e);
    const OverlayConfig old = overlay_;
    OverlayConfig updated = overlay_;
    updated.vni_of_vlan[vlan] = vni;
    apply_mappings(old, updated);
    return sw_.persist_or_undo(ControlResult::ok({{"vlan", vlan}, {"vni", vni}}),
                               [&] { apply_mappings(updated, old); });
}

ControlResult OverlayController::unmap(uint16_t vlan) {
    auto it = overlay_.vni_of_vlan.find(vlan);
    if (it == overlay_.vni_of_vlan.end())
        return ControlResult::fail("VLAN " + std::to_string(vlan) + " is not mapped to a VNI");
    const uint32_t vni = it->second;
    const OverlayConfig old = overlay_;
    OverlayConfig updated = overlay_;
    updated.vni_of_vlan.erase(vlan);
    apply_mappings(old, updated);
    return sw_.persist_or_undo(ControlResult::ok({{"vlan", vlan}, {"unmapped", vni}}),
                               [&] { apply_mappings(updated, old); });
}

void OverlayController::want_next_hops() {
    const SwitchPort* up = vtep_port();
    if (!sw_.slow_path->inject_ring() || !up || !up->link_up()) return;
    const uint64_t now = sw_.clock_ms();
    const Neighbors::Via via{up->slot, frame_source_mac(*up, up->config.vtep.ip),
                             up->config.vtep.ip};
    for (const auto& [ip, index] : vteps_)
        if (const uint32_t hop = up->config.vtep.next_hop(ip))  // else counted as unresolved
            sw_.neighbors->want(hop, via, now);
}

void OverlayController::answer_vtep_arp(const ArpMessage& a) {
    const SwitchPort* up = vtep_port();
    if (!up) return;
    const uint32_t local = up->config.vtep.ip;
    if (!a.request || a.target_ip != local || a.sender_ip == local) return;
    uint8_t reply[kArpFrameLen];
    build_arp_reply(reply, frame_source_mac(*up, local), local, a.sender_mac, a.sender_ip);
    if (sw_.slow_path->send(up->slot, reply)) ++vtep_arp_answered_;
}

void OverlayController::take_guest_arp(const GuestArp& a) {
    // Only for a MAC the FDB has on that port (the worker learned it first): a guest's
    // per-port MAC limit and the FDB's size bound this table too.
    if (sw_.fdb->lookup(a.mac, a.vlan) != a.slot) return;
    auto it = guest_ips_.find({a.vlan, a.mac});
    if (it == guest_ips_.end()) {
        if (guest_ips_.size() >= kMaxGuestIps) return;  // bounded: a flood of made-up MACs
        it = guest_ips_.emplace(std::make_pair(a.vlan, a.mac), GuestIp{}).first;
    }
    it->second = GuestIp{a.ip, a.slot, sw_.clock_seconds()};
}

void OverlayController::retry_refused() {
    const auto refused = incidents_.refused_macs();  // a copy: set_remote_mac changes it
    for (const auto& [key, vtep] : refused)
        if (vteps_.count(vtep))
            if (const uint16_t vlan = vlan_of(overlay_, key.first))
                set_remote_mac(key.second, vlan, key.first, vtep);
}

void OverlayController::tick() {
    want_next_hops();
    retry_refused();
    const uint32_t now = sw_.clock_seconds();
    std::erase_if(guest_ips_, [&](const auto& e) { return now - e.second.seen > kGuestIpMemory; });
}

void OverlayController::port_changed(SwitchPort& p, const PortConfig& before) {
    if (p.config.vtep == before.vtep) return;
    sw_.neighbors->forget_port(p.slot);  // other subnet, other next hops
    sw_.fdb->flush_port(p.slot);         // an underlay port learns nothing
    want_next_hops();
}

void OverlayController::restore(const SwitchConfig& c) {
    overlay_ = c.overlay;
    if (!overlay_.vni_of_vlan.empty()) sw_.publish();
}

void OverlayController::save(SwitchConfig& c) const {
    c.overlay = overlay_;
}

void OverlayController::add_to_fdb_entry(const Fdb::Entry& e, json& view) const {
    if (e.remote) {  // the control plane's: behind a remote VTEP
        const auto ip = std::find_if(vteps_.begin(), vteps_.end(),
                                     [&](const auto& v) { return v.second == e.vtep; });
        const auto vni = overlay_.vni_of_vlan.find(e.vlan);
        view["remote"] = ip != vteps_.end() ? format_ipv4(ip->first) : "?";
        view["vni"] = vni != overlay_.vni_of_vlan.end() ? vni->second : 0;
        return;
    }
    // The IP the guest's last ARP gave, from the port it is learned on (overlay VLANs).
    if (auto ip = guest_ips_.find({e.vlan, e.mac});
        ip != guest_ips_.end() && ip->second.slot == e.port)
        view["ip"] = format_ipv4(ip->second.ip);
}

json OverlayController::drops() const {
    json out = json::object();
    const SwitchPort* up = vtep_port();
    if (!up) return out;
    telemetry::PortCountersTotal t;
    for (const auto& c : up->counters) t.accumulate(c);
    for (DropReason r :
         {DropReason::kUnderlayOther, DropReason::kVxlanMalformed, DropReason::kVxlanUnknownVni,
          DropReason::kVxlanUnknownVtep, DropReason::kVxlanInnerTagged, DropReason::kVxlanLoop,
          DropReason::kVxlanOverMtu, DropReason::kVxlanUnresolved})
        out[std::string(drop_reason_name(r))] = t.drops[static_cast<unsigned>(r)];
    return out;
}

std::string OverlayController::local_port_of(Mac mac, uint16_t vlan) const {
    const int slot = sw_.fdb->lookup(mac, vlan);
    if (slot < 0 || slot >= Fdb::kRemote) return "";
    const SwitchPort* p = sw_.port_at(static_cast<uint16_t>(slot));
    return p ? p->config.name : "";
}

ControlResult OverlayController::clear_duplicates(uint32_t vni, Mac mac) {
    if (auto e = incidents_.clear_duplicates(vni, mac); !e.empty()) return ControlResult::fail(e);
    return ControlResult::ok(
        {{"cleared",
          vni ? "VNI " + std::to_string(vni) + " MAC " + mac_to_string(mac) : std::string("all")},
         {"note", "vsw-evpn unfreezes on its next round"}});
}

ControlResult OverlayController::show() const {
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
        json entry = {{"vlan", vlan}, {"vni", vni}, {"flood", flood}, {"remote_macs", macs}};
        entry.update(incidents_.counts(vni));
        vnis.push_back(entry);
    }
    json vteps = json::array();
    for (const auto& [ip, index] : vteps_) {
        using B = VtepCounters::Block;
        const auto& w = counters_.at(ip)->w;
        json j = {{"ip", format_ipv4(ip)},
                  {"encap_packets", w.sum(&B::encap_packets)},
                  {"encap_bytes", w.sum(&B::encap_bytes)},
                  {"decap_packets", w.sum(&B::decap_packets)},
                  {"decap_bytes", w.sum(&B::decap_bytes)},
                  {"unresolved", w.sum(&B::unresolved)}};
        const uint32_t hop = up ? up->config.vtep.next_hop(ip) : 0;
        j["next_hop"] = hop ? format_ipv4(hop) : "none (off-link, no vtep-gateway)";
        if (const Neighbors::Entry* nh = hop ? sw_.neighbors->find(hop) : nullptr) {
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
    json out = {{"vtep", vtep},
                {"vnis", vnis},
                {"vteps", vteps},
                {"remote_macs", macs},
                {"drops", drops()}};
    out.update(incidents_.view(
        overlay_, [this](Mac mac, uint16_t vlan) { return local_port_of(mac, vlan); },
        sw_.clock_seconds()));
    return ControlResult::ok(out);
}

}  // namespace vsw
